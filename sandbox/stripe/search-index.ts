import { newestFirst, type Collection, type Listed } from './collection.js';

/**
 * Objects by the value of one metadata key (e.g. customers by `crm_contact_id`), so a search that
 * pins that key (`metadata['k']:'v'`, or only such clauses joined by OR) reads a few buckets
 * instead of testing every object of the collection on the one thread the twin has. Built on the
 * first search that needs a key, and rebuilt after any write: a bucket is only used at the
 * collection version it was made at, so an update of an object's metadata is never missed.
 */
export class MetadataIndex<T extends Listed> {
  private readonly byKey = new Map<string, { version: number; buckets: Map<string, T[]> }>();

  constructor(
    private readonly collection: Collection<T>,
    private readonly metadata: (item: T) => Readonly<Record<string, string>>,
  ) {}

  /** Every object whose metadata `key` is one of `values`, in list order (newest first). */
  lookup(key: string, values: readonly string[]): T[] {
    const buckets = this.bucketsOf(key);
    const wanted = [...new Set(values)];
    if (wanted.length === 1) return [...(buckets.get(wanted[0] as string) ?? [])];
    // One object has one value per key, so the buckets are disjoint: merge, then order.
    return wanted.flatMap((value) => buckets.get(value) ?? []).sort(newestFirst);
  }

  private bucketsOf(key: string): Map<string, T[]> {
    const { version } = this.collection;
    const held = this.byKey.get(key);
    if (held && held.version === version) return held.buckets;
    const buckets = new Map<string, T[]>();
    // `all` is in list order, so every bucket is too.
    for (const item of this.collection.all) {
      const value = this.metadata(item)[key];
      if (value === undefined) continue;
      const bucket = buckets.get(value);
      if (bucket) bucket.push(item);
      else buckets.set(value, [item]);
    }
    this.byKey.set(key, { version, buckets });
    return buckets;
  }
}
