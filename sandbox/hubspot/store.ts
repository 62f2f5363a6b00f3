import type { Dataset } from '../data/dataset.js';
import { isAssociable } from './associationTypes.js';
import { build, companyObject, contactObject, dealObject, isoTime, type HubObject } from './objects.js';
import { OBJECT_TYPES, SEARCHABLE_PROPERTIES, type ObjectType } from './properties.js';

type AssociationIndex = Record<ObjectType, Record<ObjectType, Map<string, readonly string[]>>>;

/** The HubSpot view of a data set, indexed once so that every request is a lookup or a slice. */
export interface HubSpotStore {
  /** Objects per type, sorted by numeric id. */
  objects: Record<ObjectType, readonly HubObject[]>;
  byId: Record<ObjectType, ReadonlyMap<string, HubObject>>;
  /** Contacts by lower-case email (HubSpot stores emails lower-cased). */
  contactsByEmail: ReadonlyMap<string, HubObject>;
  /** Lower-case words of each object's searchable properties, for search `query`. */
  searchWords: ReadonlyMap<HubObject, readonly string[]>;
  /** The instant the simulated clock stands at; batch timestamps use it so responses stay deterministic. */
  now: string;
  associated(from: ObjectType, fromId: string, to: ObjectType): readonly string[];
  /** Adds an object created over the API; its id is one past the highest its type ever had, so no id is reused. */
  create(type: ObjectType, properties: Record<string, string | null>, nowMs: number): HubObject;
  /** Replaces an object's properties (merged over the old ones); null when there is no such object. */
  update(
    type: ObjectType,
    id: string,
    changes: Record<string, string | null>,
    nowMs: number,
  ): HubObject | null;
  /** Links two existing objects both ways (a no-op when they are linked already). */
  associate(from: ObjectType, fromId: string, to: ObjectType, toId: string): void;
  /** Unlinks two objects both ways (a no-op when they are not linked). */
  dissociate(from: ObjectType, fromId: string, to: ObjectType, toId: string): void;
  /**
   * Archives an object: gone from ids, lists, search, the email index and both ends of its
   * associations, so nothing still points at it. Null when there is no such object.
   */
  remove(type: ObjectType, id: string): HubObject | null;
}

const NO_IDS: readonly string[] = [];

function sortedById(objects: HubObject[]): HubObject[] {
  return objects.sort((a, b) => a.idNumber - b.idNumber);
}

function addEdge(index: Map<string, string[]>, from: string, to: string): void {
  const list = index.get(from);
  if (list) list.push(to);
  else index.set(from, [to]);
}

function emptyIndex(): Record<ObjectType, Record<ObjectType, Map<string, string[]>>> {
  const make = (): Record<ObjectType, Map<string, string[]>> => ({
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
  });
  return { contacts: make(), companies: make(), deals: make() };
}

/** Every edge both ways: contact↔company, contact↔deal, company↔deal; lists sorted by numeric id. */
function buildAssociations(dataset: Dataset): AssociationIndex {
  const index = emptyIndex();
  const link = (a: ObjectType, aId: string, b: ObjectType, bId: string): void => {
    addEdge(index[a][b], aId, bId);
    addEdge(index[b][a], bId, aId);
  };
  for (const contact of dataset.contacts) {
    const company = dataset.companies[contact.company];
    if (company) link('contacts', contact.crmId, 'companies', company.crmId);
  }
  for (const deal of dataset.deals) {
    const contact = dataset.contacts[deal.contact];
    if (contact) link('deals', deal.crmId, 'contacts', contact.crmId);
    const company = dataset.companies[deal.company];
    if (company) link('deals', deal.crmId, 'companies', company.crmId);
  }
  for (const from of OBJECT_TYPES) {
    for (const to of OBJECT_TYPES) {
      for (const [key, ids] of index[from][to]) {
        index[from][to].set(
          key,
          [...new Set(ids)].sort((x, y) => Number(x) - Number(y)),
        );
      }
    }
  }
  return index;
}

function wordsOf(obj: HubObject): string[] {
  const words: string[] = [];
  for (const name of SEARCHABLE_PROPERTIES[obj.type]) {
    const value = obj.properties[name];
    if (value)
      words.push(
        ...value
          .toLowerCase()
          .split(/[^\p{L}\p{N}]+/u)
          .filter((w) => w.length > 0),
      );
  }
  return words;
}

export function buildStore(dataset: Dataset): HubSpotStore {
  const objects: Record<ObjectType, HubObject[]> = {
    contacts: sortedById(dataset.contacts.map((c) => contactObject(c, dataset.companies))),
    companies: sortedById(dataset.companies.map((c) => companyObject(c))),
    deals: sortedById(dataset.deals.map((d) => dealObject(d))),
  };
  const byId = {
    contacts: new Map(objects.contacts.map((o) => [o.id, o])),
    companies: new Map(objects.companies.map((o) => [o.id, o])),
    deals: new Map(objects.deals.map((o) => [o.id, o])),
  };
  const contactsByEmail = new Map<string, HubObject>();
  for (const contact of objects.contacts) {
    const email = contact.properties.email;
    if (email) contactsByEmail.set(email.toLowerCase(), contact);
  }
  const searchWords = new Map<HubObject, string[]>();
  for (const type of OBJECT_TYPES) for (const obj of objects[type]) searchWords.set(obj, wordsOf(obj));
  const associations = buildAssociations(dataset);
  const highest: Record<ObjectType, number> = {
    contacts: objects.contacts.at(-1)?.idNumber ?? 0,
    companies: objects.companies.at(-1)?.idNumber ?? 0,
    deals: objects.deals.at(-1)?.idNumber ?? 0,
  };
  const index = (obj: HubObject): void => {
    byId[obj.type].set(obj.id, obj);
    searchWords.set(obj, wordsOf(obj));
    const email = obj.type === 'contacts' ? obj.properties.email : null;
    if (email) contactsByEmail.set(email.toLowerCase(), obj);
  };
  const unindex = (obj: HubObject): void => {
    searchWords.delete(obj);
    const email = obj.type === 'contacts' ? obj.properties.email : null;
    if (email && contactsByEmail.get(email.toLowerCase()) === obj)
      contactsByEmail.delete(email.toLowerCase());
  };
  // Which property holds the last-modified time differs by type, as in HubSpot.
  const modifiedProperty = (type: ObjectType) =>
    type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
  return {
    objects,
    byId,
    contactsByEmail,
    searchWords,
    now: new Date(dataset.anchor).toISOString(),
    associated(from, fromId, to) {
      if (!isAssociable(from, to)) return NO_IDS;
      return associations[from][to].get(fromId) ?? NO_IDS;
    },
    associate(from, fromId, to, toId) {
      const add = (a: ObjectType, aId: string, b: ObjectType, bId: string): void => {
        const ids = associations[a][b].get(aId) ?? [];
        if (ids.includes(bId)) return;
        associations[a][b].set(
          aId,
          [...ids, bId].sort((x, y) => Number(x) - Number(y)),
        );
      };
      add(from, fromId, to, toId);
      add(to, toId, from, fromId);
    },
    dissociate(from, fromId, to, toId) {
      if (!isAssociable(from, to)) return;
      const drop = (a: ObjectType, aId: string, b: ObjectType, bId: string): void => {
        const ids = associations[a][b].get(aId);
        if (ids)
          associations[a][b].set(
            aId,
            ids.filter((x) => x !== bId),
          );
      };
      drop(from, fromId, to, toId);
      drop(to, toId, from, fromId);
    },
    create(type, properties, nowMs) {
      // From a high-water mark, not the last object: an archived object's id is never handed out again.
      highest[type] += 1;
      const id = String(highest[type]);
      const stamp = isoTime(nowMs);
      const obj = build(
        type,
        id,
        {
          ...properties,
          createdate: stamp,
          [modifiedProperty(type)]: stamp,
          hs_object_id: id,
          ...(type === 'deals' && !properties.pipeline ? { pipeline: 'default' } : {}),
        },
        nowMs,
        nowMs,
      );
      // Ids only grow, so appending keeps the array sorted by id for list paging and search.
      objects[type].push(obj);
      index(obj);
      return obj;
    },
    remove(type, id) {
      const obj = byId[type].get(id);
      if (!obj) return null;
      byId[type].delete(id);
      const at = objects[type].indexOf(obj);
      if (at >= 0) objects[type].splice(at, 1);
      unindex(obj);
      for (const other of OBJECT_TYPES) {
        for (const otherId of associations[type][other].get(id) ?? NO_IDS) {
          const back = associations[other][type].get(otherId);
          if (back)
            associations[other][type].set(
              otherId,
              back.filter((x) => x !== id),
            );
        }
        associations[type][other].delete(id);
      }
      return obj;
    },
    update(type, id, changes, nowMs) {
      const old = byId[type].get(id);
      if (!old) return null;
      const obj = build(
        type,
        id,
        { ...old.properties, ...changes, [modifiedProperty(type)]: isoTime(nowMs) },
        Date.parse(old.createdAt),
        nowMs,
      );
      const at = objects[type].indexOf(old);
      if (at >= 0) objects[type][at] = obj;
      unindex(old);
      index(obj);
      return obj;
    },
  };
}
