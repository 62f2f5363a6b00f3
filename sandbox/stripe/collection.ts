/** What every stored Stripe object has: list order and cursors rely on these two fields. */
export interface Listed {
  id: string;
  created: number;
}

/** Stripe's list order: newest first; equal times fall back to the id so the order is total. */
export function newestFirst(a: Listed, b: Listed): number {
  if (a.created !== b.created) return b.created - a.created;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Where `item` sits (or would sit) in a list kept in `newestFirst` order. */
export function positionIn<T extends Listed>(list: readonly T[], item: Listed): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (newestFirst(list[mid] as T, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One resource's objects: by id, in list order, and grouped by a parent id (e.g. charges by
 * customer) so filtered lists do not scan everything. Indexes are built once and kept on insert.
 */
export class Collection<T extends Listed> {
  readonly byId = new Map<string, T>();
  readonly all: T[];
  /** Bumped by every write, so cached search results know when they are stale. */
  version = 0;
  private readonly groups = new Map<string, T[]>();

  constructor(
    items: T[],
    private readonly groupOf: (item: T) => string | null = () => null,
  ) {
    this.all = [...items].sort(newestFirst);
    for (const item of this.all) {
      this.byId.set(item.id, item);
      const key = this.groupOf(item);
      if (key === null) continue;
      const group = this.groups.get(key);
      if (group) group.push(item);
      else this.groups.set(key, [item]);
    }
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  /** The objects of one parent, in list order (empty when it has none). */
  group(key: string): readonly T[] {
    return this.groups.get(key) ?? [];
  }

  /** Records that an object changed in place (an update or a refund). */
  touch(): void {
    this.version += 1;
  }

  insert(item: T): void {
    this.version += 1;
    this.byId.set(item.id, item);
    this.all.splice(positionIn(this.all, item), 0, item);
    const key = this.groupOf(item);
    if (key === null) return;
    const group = this.groups.get(key);
    if (group) group.splice(positionIn(group, item), 0, item);
    else this.groups.set(key, [item]);
  }
}
