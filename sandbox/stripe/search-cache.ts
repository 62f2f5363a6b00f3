/**
 * The matches of recent search queries, so paging through a large result does not rescan the
 * collection for every page. An entry is valid only for the collection version it was made at.
 */
export class SearchCache<T> {
  private readonly entries = new Map<string, { version: number; matches: readonly T[] }>();

  constructor(private readonly capacity = 32) {}

  get(key: string, version: number): readonly T[] | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    // Re-insert so the Map's order doubles as least-recently-used order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.matches;
  }

  set(key: string, version: number, matches: readonly T[]): void {
    this.entries.delete(key);
    this.entries.set(key, { version, matches });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
