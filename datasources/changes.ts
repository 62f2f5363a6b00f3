/**
 * Model-level changes: what a provider's webhook event or change poll means for Concord, in the
 * model's ids. Each provider folder translates its own events into these; `src/` applies them
 * (cache invalidation, subscription events) without knowing which provider spoke.
 */

/** What a provider change makes stale in the cache. */
export type Invalidation =
  | { kind: 'contact'; id: string }
  | { kind: 'company'; id: string }
  | { kind: 'deal'; id: string }
  | { kind: 'account'; id: string; contactId: string | null }
  | { kind: 'payments'; accountId: string; paymentIds: string[] };

/**
 * A change subscribers may want: ids only, so each subscriber reads the current record through
 * its own access rules and nothing personal crosses Redis.
 */
export type ChangeEvent =
  | { topic: 'payment'; paymentId: string; accountId: string | null }
  | { topic: 'customer'; contactId: string };

/** One delivery's (or one poll's) changes: the cache forgets first, then subscribers hear. */
export interface ModelChanges {
  invalidations: Invalidation[];
  events: ChangeEvent[];
}
