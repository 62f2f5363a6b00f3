import type { Page } from '../../datasources/model.js';
import type { CursorCodec } from './cursor.js';
import type { PageDirection } from './page-args.js';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Array<Edge<T>>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number | null;
}

export interface CursorScope {
  readonly kind: string;
  readonly scope: string;
}

/**
 * A scope whose text is made only if a cursor is (encoded or checked): a warm dashboard pages two
 * lists per customer and selects no cursor, so a hundred stable-JSON texts a request went unused.
 */
class LazyScope implements CursorScope {
  private made: string | undefined;

  constructor(
    readonly kind: string,
    private readonly make: () => string,
  ) {}

  get scope(): string {
    this.made ??= this.make();
    return this.made;
  }
}

export function lazyScope(kind: string, make: () => string): CursorScope {
  return new LazyScope(kind, make);
}

/**
 * An edge whose cursor is encrypted only if a client selects it (and then once): a dashboard that
 * asks for no cursor makes none, and encrypting one is most of an edge's cost.
 */
class LazyEdge<T> implements Edge<T> {
  private encoded: string | undefined;

  // What the cursor is made of, not a closure over it: a warm dashboard makes hundreds of edges a request.
  constructor(
    readonly node: T,
    private readonly position: string,
    private readonly codec: CursorCodec,
    private readonly scope: CursorScope,
  ) {}

  get cursor(): string {
    // Read field by field: a spread would miss a LazyScope's getter.
    this.encoded ??= this.codec.encode({
      kind: this.scope.kind,
      scope: this.scope.scope,
      position: this.position,
    });
    return this.encoded;
  }
}

function edgeOf<T>(node: T, position: string, codec: CursorCodec, scope: CursorScope): Edge<T> {
  return new LazyEdge(node, position, codec, scope);
}

/**
 * Page info whose cursors come from the edges only when selected. A class, not an object literal
 * with getters: a literal defines its accessors anew for every connection (two per customer).
 */
class LazyPageInfo<T> {
  constructor(
    private readonly edges: ReadonlyArray<Edge<T>>,
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges[this.edges.length - 1]?.cursor ?? null;
  }
}

function pageInfoOf<T>(
  edges: Array<Edge<T>>,
  hasNextPage: boolean,
  hasPreviousPage: boolean,
): Connection<T>['pageInfo'] {
  return new LazyPageInfo(edges, hasNextPage, hasPreviousPage);
}

/**
 * Pages through a list already in memory (e.g. a customer's deals, loaded in one batch). Positions
 * are item keys, not offsets, so a cursor still points at the same item if the list grows. `total`
 * says how long the whole list is when `items` is only its beginning (a summary's newest payments).
 */
export function connectionFromList<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  request: PageDirection,
  codec: CursorCodec,
  scope: CursorScope,
  total = items.length,
): Connection<T> {
  const argument = request.direction === 'forward' ? 'after' : 'before';
  let anchor = request.direction === 'forward' ? -1 : items.length;
  if (request.cursor !== null) {
    const key = codec.decode(request.cursor, scope, argument);
    anchor = items.findIndex((item) => keyOf(item) === key);
    // The item the cursor points at is gone: start over from the nearest end rather than fail.
    if (anchor < 0) anchor = request.direction === 'forward' ? -1 : items.length;
  }
  const from = request.direction === 'forward' ? anchor + 1 : Math.max(0, anchor - request.size);
  const to = request.direction === 'forward' ? Math.min(items.length, from + request.size) : anchor;
  const edges = items.slice(from, to).map((node) => edgeOf(node, keyOf(node), codec, scope));
  return { edges, pageInfo: pageInfoOf(edges, to < total, from > 0), totalCount: total };
}

/** Wraps one provider page: each edge's cursor carries that item's provider cursor. */
export function connectionFromPage<T>(
  page: Page<T>,
  request: PageDirection,
  codec: CursorCodec,
  scope: CursorScope,
): Connection<T> {
  const edges = page.items.map((node, i) => edgeOf(node, page.cursors[i] ?? '', codec, scope));
  const forward = request.direction === 'forward';
  return {
    edges,
    pageInfo: pageInfoOf(
      edges,
      forward ? page.nextCursor !== null : request.cursor !== null,
      forward ? request.cursor !== null : page.previousCursor !== null,
    ),
    totalCount: page.totalCount,
  };
}

/** The provider cursor inside a client cursor (null for the first page). */
export function providerCursor(
  request: PageDirection,
  codec: CursorCodec,
  scope: CursorScope,
): string | null {
  if (request.cursor === null) return null;
  return codec.decode(request.cursor, scope, request.direction === 'forward' ? 'after' : 'before');
}
