/**
 * What a client got back: answered fully, answered partially (data, and errors that each name the
 * failing provider and its code), or failed (no data: an HTTP error, a refused connection, a
 * timeout). And whether a partial answer kept the rest intact, against a healthy answer to the
 * same request: only the paths its errors name may be null.
 */

export type Kind = 'full' | 'partial' | 'failed';

export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: unknown; provider?: unknown; [key: string]: unknown };
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorShape[];
  extensions?: { stale?: unknown; [key: string]: unknown };
}

/** One HTTP exchange as the client saw it. */
export interface Answer {
  /** HTTP status, or null when there was no response (refused, reset, timed out). */
  status: number | null;
  body: GraphQLBody | null;
  /** Why there was no usable response (e.g. `ECONNREFUSED`, `timeout`). */
  transportError?: string;
  ms: number;
}

export interface Classified {
  kind: Kind;
  /** `CODE/provider` of each error (`CODE/-` when an error names no provider). */
  codes: string[];
  /** Errors without both a code and a provider: a partial answer should have none. */
  uncoded: number;
  /** The answer says some of it was served from a stale cache (`extensions.stale`). */
  stale: boolean;
}

function hasSomeData(data: Record<string, unknown> | null | undefined): data is Record<string, unknown> {
  return data !== null && data !== undefined && typeof data === 'object';
}

export function errorKind(e: GraphQLErrorShape): string {
  const code = typeof e.extensions?.code === 'string' ? e.extensions.code : '?';
  const provider = typeof e.extensions?.provider === 'string' ? e.extensions.provider : '-';
  return `${code}/${provider}`;
}

export function classify(answer: Answer): Classified {
  const body = answer.body;
  const stale = body?.extensions?.stale !== undefined && body.extensions.stale !== null;
  if (answer.status === null || body === null || !hasSomeData(body.data)) {
    const codes = (body?.errors ?? []).map(errorKind);
    if (answer.transportError) codes.push(`transport/${answer.transportError}`);
    else if (answer.status !== null && answer.status !== 200) codes.push(`http/${answer.status}`);
    return { kind: 'failed', codes, uncoded: 0, stale };
  }
  const errors = body.errors ?? [];
  if (errors.length === 0) return { kind: 'full', codes: [], uncoded: 0, stale };
  return {
    kind: 'partial',
    codes: errors.map(errorKind),
    uncoded: errors.filter(
      (e) => typeof e.extensions?.code !== 'string' || typeof e.extensions.provider !== 'string',
    ).length,
    stale,
  };
}

type Path = ReadonlyArray<string | number>;

const startsWith = (path: Path, prefix: Path) => prefix.every((segment, i) => path[i] === segment);

const samePath = (a: Path, b: Path) => a.length === b.length && startsWith(a, b);

/**
 * True when `actual` equals `healthy` except where an error path allows a null: a value may be
 * null at an error's path or at any parent of it (a non-null field's error nulls its parent).
 * Values at `ignored` paths (counts the run's own writes change) are not compared.
 * Returns the first path that differs otherwise.
 */
export function intactAgainst(
  actual: unknown,
  healthy: unknown,
  errorPaths: readonly Path[],
  ignored: readonly Path[] = [],
  here: Path = [],
): { intact: true } | { intact: false; at: string } {
  if (ignored.some((p) => samePath(p, here))) return { intact: true };
  if (actual === null && healthy !== null && errorPaths.some((p) => startsWith(p, here)))
    return { intact: true };
  if (Array.isArray(healthy)) {
    if (!Array.isArray(actual) || actual.length !== healthy.length)
      return { intact: false, at: here.join('.') };
    for (let i = 0; i < healthy.length; i++) {
      const r = intactAgainst(actual[i], healthy[i], errorPaths, ignored, [...here, i]);
      if (!r.intact) return r;
    }
    return { intact: true };
  }
  if (healthy !== null && typeof healthy === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return { intact: false, at: here.join('.') };
    const a = actual as Record<string, unknown>;
    const h = healthy as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(h)])) {
      const r = intactAgainst(a[key], h[key], errorPaths, ignored, [...here, key]);
      if (!r.intact) return r;
    }
    return { intact: true };
  }
  return actual === healthy ? { intact: true } : { intact: false, at: here.join('.') };
}
