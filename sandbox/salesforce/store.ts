import type { Dataset } from '../data/dataset.js';
import { canonicalId, salesforceId, typeOfId, type KeyedType } from './ids.js';
import type { FieldValue, SfRecord } from './records.js';
import { SOBJECT_NAMES, SOBJECTS, type OrgSObjects } from './schema.js';
import { seedRecords } from './seed.js';

/** What a delete takes with it, as Salesforce cascades: contact roles with their opportunity or contact, an account's contacts and opportunities. */
const CASCADES: Partial<Record<KeyedType, readonly { type: KeyedType; field: string }[]>> = {
  Account: [
    { type: 'Contact', field: 'AccountId' },
    { type: 'Opportunity', field: 'AccountId' },
  ],
  Contact: [{ type: 'OpportunityContactRole', field: 'ContactId' }],
  Opportunity: [{ type: 'OpportunityContactRole', field: 'OpportunityId' }],
};

/** The org's data: records per type in id order, the Recycle Bin, and child indexes for relationship queries. */
export class SalesforceStore {
  private readonly live = new Map<KeyedType, Map<string, SfRecord>>();
  private readonly deleted = new Map<string, SfRecord>();
  private readonly highest = new Map<KeyedType, number>();
  private childIndex = new Map<string, Map<string, SfRecord[]>>();
  private version = 0;
  private indexedVersion = -1;

  /** `sobjects`: the org's objects and fields (its custom fields included). */
  constructor(
    dataset: Dataset,
    readonly sobjects: OrgSObjects = SOBJECTS,
  ) {
    for (const type of SOBJECT_NAMES) this.live.set(type, new Map());
    const records = seedRecords(dataset).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const record of records) this.byType(record.type).set(record.id, record);
    // Created records continue after the seeded ones: one past the largest seeded number per type.
    for (const type of SOBJECT_NAMES) {
      const last = [...this.byType(type).keys()].at(-1);
      this.highest.set(type, last ? base62Value(last.slice(6, 15)) : 0);
    }
  }

  private byType(type: KeyedType): Map<string, SfRecord> {
    return this.live.get(type) as Map<string, SfRecord>;
  }

  /** Live records of a type in id order; with `includeDeleted`, the Recycle Bin's too (queryAll). */
  all(type: KeyedType, includeDeleted = false): SfRecord[] {
    const records = [...this.byType(type).values()];
    if (!includeDeleted) return records;
    const binned = [...this.deleted.values()].filter((r) => r.type === type);
    return [...records, ...binned].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** A live record by any accepted form of its id (15 or 18 characters), optionally of one type. */
  get(rawId: string, type?: KeyedType): SfRecord | undefined {
    const id = canonicalId(rawId);
    if (!id) return undefined;
    const actual = typeOfId(id);
    if (!actual || (type && actual !== type)) return undefined;
    return this.byType(actual).get(id);
  }

  /** A record in the Recycle Bin. */
  getDeleted(rawId: string): SfRecord | undefined {
    const id = canonicalId(rawId);
    return id ? this.deleted.get(id) : undefined;
  }

  /** Child records whose `field` points at `parentId` (live ones, or every one for queryAll). */
  children(type: KeyedType, field: string, parentId: string, includeDeleted = false): SfRecord[] {
    if (this.indexedVersion !== this.version) this.reindex();
    const live = this.childIndex.get(`${type}.${field}`)?.get(parentId) ?? [];
    if (!includeDeleted) return live;
    const binned = [...this.deleted.values()].filter((r) => r.type === type && r.fields[field] === parentId);
    return [...live, ...binned];
  }

  private reindex(): void {
    const index = new Map<string, Map<string, SfRecord[]>>();
    for (const type of SOBJECT_NAMES) {
      for (const child of SOBJECTS[type].children) {
        const key = `${child.childSObject}.${child.field}`;
        if (index.has(key)) continue;
        const byParent = new Map<string, SfRecord[]>();
        for (const record of this.byType(child.childSObject).values()) {
          const parent = record.fields[child.field];
          if (typeof parent !== 'string') continue;
          const list = byParent.get(parent);
          if (list) list.push(record);
          else byParent.set(parent, [record]);
        }
        index.set(key, byParent);
      }
    }
    this.childIndex = index;
    this.indexedVersion = this.version;
  }

  /** Adds a record; its id is one past the highest its type ever had, so no id is reused. */
  create(type: KeyedType, fields: Record<string, FieldValue>, now: number): SfRecord {
    const n = (this.highest.get(type) ?? 0) + 1;
    this.highest.set(type, n);
    const id = salesforceId(type, n);
    const record: SfRecord = {
      type,
      id,
      fields: {
        Id: id,
        ...fields,
        CreatedDate: now,
        LastModifiedDate: now,
        SystemModstamp: now,
        IsDeleted: false,
      },
      deletedAt: null,
    };
    this.byType(type).set(id, record);
    this.version++;
    return record;
  }

  update(record: SfRecord, changes: Record<string, FieldValue>, now: number): SfRecord {
    Object.assign(record.fields, changes, { LastModifiedDate: now, SystemModstamp: now });
    this.version++;
    return record;
  }

  /** Moves a record and what cascades from it to the Recycle Bin; lookups to it elsewhere are cleared. */
  remove(record: SfRecord, now: number): SfRecord[] {
    const removed: SfRecord[] = [];
    const visit = (r: SfRecord): void => {
      if (r.deletedAt !== null) return;
      for (const cascade of CASCADES[r.type] ?? []) {
        for (const child of this.children(cascade.type, cascade.field, r.id)) visit(child);
      }
      this.byType(r.type).delete(r.id);
      r.deletedAt = now;
      Object.assign(r.fields, { IsDeleted: true, SystemModstamp: now });
      this.deleted.set(r.id, r);
      removed.push(r);
      this.version++;
    };
    visit(record);
    // Lookups to a deleted record are cleared, as Salesforce's default "clear the value" lookup option does.
    for (const type of SOBJECT_NAMES) {
      for (const child of SOBJECTS[type].children) {
        for (const r of removed) {
          if (r.type !== type) continue;
          for (const orphan of this.children(child.childSObject, child.field, r.id)) {
            orphan.fields[child.field] = null;
            orphan.fields.SystemModstamp = now;
          }
        }
      }
    }
    this.version++;
    return removed;
  }

  /** Live records of a type whose SystemModstamp lies in [start, end) (get-updated). */
  updatedBetween(type: KeyedType, start: number, end: number): SfRecord[] {
    return this.all(type).filter((r) => {
      const stamp = r.fields.SystemModstamp as number;
      return stamp >= start && stamp < end;
    });
  }

  /** Recycle Bin records of a type deleted in [start, end) (get-deleted). */
  deletedBetween(type: KeyedType, start: number, end: number): SfRecord[] {
    return [...this.deleted.values()].filter(
      (r) => r.type === type && r.deletedAt !== null && r.deletedAt >= start && r.deletedAt < end,
    );
  }

  /** Live records per type, for `/limits`-style summaries and tests. */
  count(type: KeyedType): number {
    return this.byType(type).size;
  }
}

function base62Value(digits: string): number {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let n = 0;
  for (const ch of digits) n = n * 62 + alphabet.indexOf(ch);
  return n;
}
