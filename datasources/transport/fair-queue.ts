/**
 * Per-client FIFO lanes served round-robin: each call costs one upstream request, so deficit
 * round-robin with equal costs is plain round-robin. A client's burst waits behind its own calls;
 * another client's first call waits for at most one call of each other lane.
 */
export class FairQueue<T> {
  private readonly lanes = new Map<string, T[]>();
  /** Lanes with waiting items, in serving order; the first is served next. */
  private readonly ring: string[] = [];
  private total = 0;

  get size(): number {
    return this.total;
  }

  /** Items waiting in one lane. */
  sizeOf(lane: string): number {
    return this.lanes.get(lane)?.length ?? 0;
  }

  /** Lanes with at least one item waiting. */
  get activeLanes(): number {
    return this.ring.length;
  }

  /**
   * How many waiting items are served before one pushed to `lane` now: its lane's, and from every
   * other lane as many as rounds go by before it, at least (new lanes only add to it).
   */
  servedBefore(lane: string): number {
    const rounds = this.sizeOf(lane);
    let before = rounds;
    for (const [other, items] of this.lanes) if (other !== lane) before += Math.min(items.length, rounds);
    return before;
  }

  push(lane: string, item: T): void {
    const items = this.lanes.get(lane);
    if (items) items.push(item);
    else {
      this.lanes.set(lane, [item]);
      this.ring.push(lane);
    }
    this.total += 1;
  }

  /** The item served next, left in place (the caller may not be able to serve it yet). */
  peek(): T | undefined {
    const lane = this.ring[0];
    return lane === undefined ? undefined : this.lanes.get(lane)?.[0];
  }

  /** Takes the item `peek` showed and moves that lane to the back of the ring. */
  shift(): T | undefined {
    const lane = this.ring.shift();
    if (lane === undefined) return undefined;
    const items = this.lanes.get(lane) as T[];
    const item = items.shift();
    this.total -= 1;
    if (items.length > 0) this.ring.push(lane);
    else this.lanes.delete(lane);
    return item;
  }

  /** Removes one waiting item (its caller gave up); false when it was not waiting. */
  remove(lane: string, item: T): boolean {
    const items = this.lanes.get(lane);
    const at = items?.indexOf(item) ?? -1;
    if (!items || at < 0) return false;
    items.splice(at, 1);
    this.total -= 1;
    if (items.length === 0) {
      this.lanes.delete(lane);
      this.ring.splice(this.ring.indexOf(lane), 1);
    }
    return true;
  }

  /** Removes and returns every waiting item `leaves` picks (callers whose wait can no longer end in time). */
  drop(leaves: (item: T) => boolean): T[] {
    const dropped: T[] = [];
    for (const [lane, items] of [...this.lanes]) {
      for (const item of items.filter(leaves)) if (this.remove(lane, item)) dropped.push(item);
    }
    return dropped;
  }
}
