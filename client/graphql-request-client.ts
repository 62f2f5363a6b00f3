/**
 * graphql-request 7 keeping partial answers. Its default (`errorPolicy: 'none'`) throws a ClientError
 * on any field error, and the data that came with it is only on `error.response`; with
 * `errorPolicy: 'all'`, `rawRequest` returns both.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { GraphQLClient, type Variables } from 'graphql-request';
import { fieldErrors, type PartialAnswer } from './partial-answers.js';

export function createConcordPartialClient(
  endpoint: string,
  options: { headers?: Record<string, string> } = {},
): GraphQLClient {
  return new GraphQLClient(endpoint, { headers: options.headers ?? {}, errorPolicy: 'all' });
}

/** Runs a query and keeps a partial answer; an HTTP or network failure throws. */
export async function queryWithPartialData<T, V extends Variables>(
  client: GraphQLClient,
  document: TypedDocumentNode<T, V>,
  variables: V,
): Promise<PartialAnswer<T>> {
  const result = await client.rawRequest<T, V>(print(document), variables);
  return { data: result.data ?? null, errors: fieldErrors(result.errors) };
}
