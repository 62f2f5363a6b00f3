/**
 * urql 6 set up for Concord. urql sends queries as GET by default (`preferGetMethod:
 * 'within-url-limit'`), and Apollo Server's CSRF prevention refuses a GET that carries neither a JSON
 * content type nor a preflight header. So: POST (the default here), or GET with
 * `apollo-require-preflight`, which a browser cannot send cross-site without a preflight.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Client, fetchExchange, type AnyVariables } from '@urql/core';
import { fieldErrors, type PartialAnswer } from './partial-answers.js';

export interface UrqlOptions {
  /** e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /** POST (default) or GET with the preflight header Apollo's CSRF check asks for. */
  method?: 'POST' | 'GET';
}

export function createConcordUrqlClient(endpoint: string, options: UrqlOptions = {}): Client {
  const get = options.method === 'GET';
  return new Client({
    url: endpoint,
    // No cache exchange: Concord caches per field with provider-aware freshness; the UI decides its own.
    exchanges: [fetchExchange],
    preferGetMethod: get ? 'force' : false,
    fetchOptions: {
      headers: { ...options.headers, ...(get ? { 'apollo-require-preflight': 'true' } : {}) },
    },
  });
}

/**
 * Runs a query and keeps a partial answer: urql already returns `data` beside `error`; this keeps the
 * codes too. A network or HTTP failure with no data at all still throws.
 */
export async function queryWithPartialData<T, V extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
): Promise<PartialAnswer<T>> {
  const result = await client.query(document, variables, { requestPolicy: 'network-only' }).toPromise();
  if (result.error?.networkError && result.data === undefined) throw result.error;
  if (result.data === undefined && result.error) throw result.error;
  return { data: result.data ?? null, errors: fieldErrors(result.error?.graphQLErrors) };
}
