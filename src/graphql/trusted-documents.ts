import { createHash } from 'node:crypto';
import type { ApolloServerOptions, ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { TrustedDocumentsMode } from './trusted-documents-settings.js';

/**
 * Codes of the errors this module answers with. Automatic persisted queries let any client
 * register any document, so they are no allow-list; these refusals are.
 */
export const TrustedDocumentCode = {
  /** The request carried document text (or no document) where only a manifest id runs. */
  REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  /** The id is not in the manifest this server runs. */
  NOT_FOUND: 'TRUSTED_DOCUMENT_NOT_FOUND',
} as const;

/** Stands in for a refused request's document, so the client's text is never parsed or validated. */
const REFUSED_PLACEHOLDER = '{ __typename }';

const SHA256_HEX = /^[0-9a-f]{64}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `sha256:<hex>` (GraphQL over HTTP documentId, the manifest's keys) or bare `<hex>` (Apollo APQ). */
function hashOf(id: string): string | null {
  const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return SHA256_HEX.test(hex) ? hex : null;
}

/**
 * The documents of the manifest, by sha256 of their text. The server holds one store for its life;
 * a reload swaps its contents in one assignment, so a request sees the old manifest or the new one,
 * never a mix.
 */
export class TrustedDocumentStore {
  private constructor(private byHash: ReadonlyMap<string, string>) {}

  static empty(): TrustedDocumentStore {
    return new TrustedDocumentStore(new Map());
  }

  /**
   * Checks every entry: a key must be the sha256 of its document, so a hand-edited manifest can
   * never map a trusted id to some other text.
   */
  static fromManifest(manifest: unknown): TrustedDocumentStore {
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
      throw new Error('expected a JSON object of "sha256:<hash>": "<document>"');
    }
    const byHash = new Map<string, string>();
    for (const [id, text] of Object.entries(manifest)) {
      const hash = hashOf(id);
      if (hash === null || typeof text !== 'string') {
        throw new Error(`entry ${JSON.stringify(id)} is not "sha256:<hash>": "<document>"`);
      }
      if (sha256(text) !== hash) throw new Error(`entry ${id} does not match the sha256 of its document`);
      byHash.set(hash, text);
    }
    return new TrustedDocumentStore(byHash);
  }

  /** Parses a manifest's text (a JSON object of `"sha256:<hash>": "<document>"`), checking every entry. */
  static fromText(text: string): TrustedDocumentStore {
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch {
      throw new Error('it is not JSON');
    }
    return TrustedDocumentStore.fromManifest(manifest);
  }

  /** Takes another store's documents (a reload's result) in place of its own. */
  replaceWith(next: TrustedDocumentStore): void {
    this.byHash = next.byHash;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The document for an id (`sha256:<hex>` or `<hex>`), if trusted. */
  get(id: string): string | undefined {
    const hash = hashOf(id);
    return hash === null ? undefined : this.byHash.get(hash);
  }

  /** Every trusted document's text. */
  documents(): Iterable<string> {
    return this.byHash.values();
  }

  /** Whether this exact text is a trusted document. */
  hasText(text: string): boolean {
    return this.byHash.get(sha256(text)) === text;
  }
}

type Outcome =
  { kind: 'pass' } | { kind: 'document'; text: string } | { kind: 'refuse'; error: GraphQLError };

function refuse(code: string, message: string): Outcome {
  return {
    kind: 'refuse',
    error: new GraphQLError(message, { extensions: { code, http: { status: 400 } } }),
  };
}

function stringField(record: unknown, key: string): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const value = (record as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The id a client sent: `documentId` (POST body or GET parameter), else Apollo's APQ hash. */
function documentIdOf(request: GraphQLRequest): string | undefined {
  const http = request.http;
  const fromBody = stringField(http?.body, 'documentId');
  const fromQuery =
    http?.method === 'GET' ? (new URLSearchParams(http.search).get('documentId') ?? undefined) : undefined;
  return fromBody ?? fromQuery ?? stringField(request.extensions?.persistedQuery, 'sha256Hash');
}

function decide(request: GraphQLRequest, store: TrustedDocumentStore, mode: TrustedDocumentsMode): Outcome {
  const id = documentIdOf(request);
  if (id !== undefined) {
    const text = store.get(id);
    if (text !== undefined) return { kind: 'document', text };
    if (mode === 'off') return { kind: 'pass' };
    return refuse(
      TrustedDocumentCode.NOT_FOUND,
      `No trusted document has the id ${JSON.stringify(id.slice(0, 80))}. This server runs only the operations in its manifest: regenerate the client with \`npm run codegen\` and deploy its persisted-documents.json.`,
    );
  }
  if (mode === 'off') return { kind: 'pass' };
  // The full text of a manifest document is as good as its id.
  if (request.query !== undefined && store.hasText(request.query))
    return { kind: 'document', text: request.query };
  return refuse(
    TrustedDocumentCode.REQUIRED,
    'This server runs only trusted documents: send the operation\'s `documentId` ("sha256:<hash>" from persisted-documents.json) or `extensions.persistedQuery.sha256Hash`, not its text.',
  );
}

function withoutPersistedQuery(extensions: GraphQLRequest['extensions']): GraphQLRequest['extensions'] {
  if (!extensions || !('persistedQuery' in extensions)) return extensions;
  const { persistedQuery: _dropped, ...rest } = extensions;
  return rest;
}

export interface TrustedDocuments<T extends object> {
  plugin: ApolloServerPlugin<T>;
  /** Apollo's automatic persisted queries: on when any document may run, off under the allow-list. */
  persistedQueries: ApolloServerOptions<T>['persistedQueries'];
}

/**
 * Resolves manifest ids to their documents before Apollo reads the request and, in
 * allow-listed-only mode, refuses everything else with a coded 400.
 */
export function trustedDocuments<T extends object>(
  store: TrustedDocumentStore,
  mode: TrustedDocumentsMode,
): TrustedDocuments<T> {
  return {
    persistedQueries: mode === 'allow-listed-only' ? false : undefined,
    plugin: {
      async requestDidStart({ request }) {
        const outcome = decide(request, store, mode);
        if (outcome.kind === 'pass') return;
        // Apollo reads query and extensions after requestDidStart; a manifest document thus runs
        // as if sent in full, and Apollo's APQ cache never sees (or registers) the id.
        request.extensions = withoutPersistedQuery(request.extensions);
        if (outcome.kind === 'document') {
          request.query = outcome.text;
          return;
        }
        // Errors thrown before didResolveOperation become 500s in Apollo; the refusal waits for
        // that hook with a constant document in place of the client's text.
        request.query = REFUSED_PLACEHOLDER;
        request.operationName = undefined;
        return {
          async didResolveOperation() {
            throw outcome.error;
          },
        };
      },
    },
  };
}
