import { UserInputError } from '../errors/concord-error.js';

/** Object types that have global ids; each maps to one provider's own id space. */
export const NODE_TYPES = [
  'Customer',
  'Company',
  'Deal',
  'Payment',
  'Invoice',
  'BillingSubscription',
  'AnalyticsEvent',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

const PREFIX = 'v1';

/** Opaque global id: base64url of `v1:Type:providerId`. Clients must not parse it. */
export function toGlobalId(type: NodeType, id: string): string {
  return Buffer.from(`${PREFIX}:${type}:${id}`).toString('base64url');
}

/** The type and provider id inside a global id; BAD_USER_INPUT for anything this API did not issue. */
export function fromGlobalId(globalId: string, argument = 'id'): { type: NodeType; id: string } {
  const malformed = () => new UserInputError(`\`${argument}\` is not a valid id.`, argument);
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(globalId)) throw malformed();
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const [prefix, type, ...rest] = text.split(':');
  const id = rest.join(':');
  if (prefix !== PREFIX || !id || !(NODE_TYPES as readonly string[]).includes(type ?? '')) throw malformed();
  return { type: type as NodeType, id };
}

/** Like fromGlobalId, and the id must be of `expected` type. */
export function idOfType(globalId: string, expected: NodeType, argument = 'id'): string {
  const { type, id } = fromGlobalId(globalId, argument);
  if (type !== expected) throw new UserInputError(`\`${argument}\` is not a ${expected} id.`, argument);
  return id;
}
