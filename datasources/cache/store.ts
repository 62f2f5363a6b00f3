/**
 * Where cached entries live (Redis or memory, chosen by the gateway). Implementations never
 * throw: a store error or a slow store is a miss, because the cache is optional and a provider
 * call is always a correct answer.
 */
export interface CacheStore {
  getMany(keys: readonly string[]): Promise<Array<string | undefined>>;
  setMany(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
}
