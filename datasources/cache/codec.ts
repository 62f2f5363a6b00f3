/**
 * JSON with the two model types JSON lacks: Date and bigint (money in minor units). Tagged as
 * one-key objects so that ordinary data cannot be mistaken for them.
 */
const DATE = '$date';
const BIGINT = '$bigint';

export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { [DATE]: raw.toISOString() };
    if (typeof v === 'bigint') return { [BIGINT]: v.toString() };
    return v;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1) {
        const tagged = v as Record<string, unknown>;
        if (typeof tagged[DATE] === 'string') return new Date(tagged[DATE]);
        if (typeof tagged[BIGINT] === 'string') return BigInt(tagged[BIGINT]);
      }
    }
    return v;
  }) as T;
}
