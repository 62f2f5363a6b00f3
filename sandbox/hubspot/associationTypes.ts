import { SINGULAR, type ObjectType } from './properties.js';

/** One association type as v4 reports it. */
export interface AssociationTypeSpec {
  category: 'HUBSPOT_DEFINED';
  typeId: number;
  label: string | null;
}

interface PairTypes {
  /** The "Primary" label, for pairs where one side is a company (each record here has at most one). */
  primary?: number;
  unlabeled: number;
}

/** HubSpot's default association type ids (developers.hubspot.com associations v4 "association type id values"). */
const TYPE_IDS: Partial<Record<ObjectType, Partial<Record<ObjectType, PairTypes>>>> = {
  contacts: { companies: { primary: 1, unlabeled: 279 }, deals: { unlabeled: 4 } },
  companies: { contacts: { primary: 2, unlabeled: 280 }, deals: { primary: 6, unlabeled: 342 } },
  deals: { contacts: { unlabeled: 3 }, companies: { primary: 5, unlabeled: 341 } },
};

function pairTypes(from: ObjectType, to: ObjectType): PairTypes | undefined {
  return TYPE_IDS[from]?.[to];
}

export function isAssociable(from: ObjectType, to: ObjectType): boolean {
  return pairTypes(from, to) !== undefined;
}

/** v4 `associationTypes` for an edge: primary first, then the unlabeled default, as HubSpot lists them. */
export function associationTypeSpecs(from: ObjectType, to: ObjectType): AssociationTypeSpec[] {
  const types = pairTypes(from, to);
  if (!types) return [];
  const specs: AssociationTypeSpec[] = [];
  if (types.primary !== undefined)
    specs.push({ category: 'HUBSPOT_DEFINED', typeId: types.primary, label: 'Primary' });
  specs.push({ category: 'HUBSPOT_DEFINED', typeId: types.unlabeled, label: null });
  return specs;
}

/** v3 `associations.<type>.results[].type` names for an edge (`contact_to_company`, `contact_to_company_unlabeled`). */
export function associationTypeNames(from: ObjectType, to: ObjectType): string[] {
  const types = pairTypes(from, to);
  if (!types) return [];
  const base = `${SINGULAR[from]}_to_${SINGULAR[to]}`;
  return types.primary !== undefined ? [base, `${base}_unlabeled`] : [base];
}

/** The object type a HubSpot-defined association type id leads to from `from`, if it is one of its pairs. */
export function targetOfTypeId(from: ObjectType, typeId: number): ObjectType | undefined {
  for (const [to, types] of Object.entries(TYPE_IDS[from] ?? {}) as [ObjectType, PairTypes][]) {
    if (types.primary === typeId || types.unlabeled === typeId) return to;
  }
  return undefined;
}
