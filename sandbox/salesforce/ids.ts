/** Key prefixes of the sObjects the twin serves (FACTS §4: 001 Account, 003 Contact, 005 User, 006 Opportunity). */
export const KEY_PREFIXES = {
  Account: '001',
  Contact: '003',
  User: '005',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  OpportunityStage: '01J',
} as const;
export type KeyedType = keyof typeof KEY_PREFIXES;

/** The org's instance (pod) letters and the reserved character, as in `003RO0000035WQgYAM`. */
const POD = 'Sb0';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

function base62(n: number, width: number): string {
  let out = '';
  let rest = Math.floor(n);
  do {
    out = (BASE62[rest % 62] as string) + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, '0');
}

/** The three characters that make a 15-character id case-insensitive: one bit per upper-case letter, per 5-char chunk. */
export function caseSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15[chunk * 5 + i] as string;
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** The 18-character id of record number `n` of a type: prefix, pod, then the number in base 62. */
export function salesforceId(type: KeyedType, n: number): string {
  const id15 = `${KEY_PREFIXES[type]}${POD}${base62(n, 9)}`;
  return id15 + caseSuffix(id15);
}

/**
 * An id as the API accepts it (15 case-sensitive or 18 case-insensitive characters) in its
 * canonical 18-character form, or null when it is not an id at all.
 */
export function canonicalId(raw: string): string | null {
  if (/^[A-Za-z0-9]{15}$/.test(raw)) return raw + caseSuffix(raw);
  if (!/^[A-Za-z0-9]{18}$/.test(raw)) return null;
  const suffix = raw.slice(15).toUpperCase();
  let id15 = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix[chunk] as string);
    if (bits < 0) return null;
    for (let i = 0; i < 5; i++) {
      const ch = raw[chunk * 5 + i] as string;
      id15 += bits & (1 << i) ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  return id15 + suffix;
}

/** The sObject type an id's key prefix names, if the twin serves it. */
export function typeOfId(id: string): KeyedType | undefined {
  const prefix = id.slice(0, 3);
  return (Object.keys(KEY_PREFIXES) as KeyedType[]).find((t) => KEY_PREFIXES[t] === prefix);
}
