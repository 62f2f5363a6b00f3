/**
 * Apollo Client 4 set up for Concord. `errorPolicy: 'all'` keeps `data` when `errors` come with it
 * (the default, 'none', throws both away on the first field error, and Concord answers partially by
 * design). Apollo Client posts JSON, which Apollo Server's CSRF check accepts.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  ApolloClient,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  type OperationVariables,
} from '@apollo/client';
import { fieldErrors, type PartialAnswer } from './partial-answers.js';

// Apollo Client 4 asks for defaults to be declared, so every query's result type knows `data` and `error` can come together.
declare module '@apollo/client' {
  // Apollo's own declaration is a namespace; merging into it takes one (eslint's ES-module preference does not apply).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace ApolloClient {
    // eslint-disable-next-line @typescript-eslint/no-namespace
    export namespace DeclareDefaultOptions {
      interface Query {
        errorPolicy: 'all';
      }
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Mutate {
        errorPolicy: 'all';
      }
    }
  }
}

export function createConcordApolloClient(
  endpoint: string,
  options: { headers?: Record<string, string> } = {},
): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: endpoint, headers: options.headers ?? {} }),
    cache: new InMemoryCache(),
    defaultOptions: {
      query: { errorPolicy: 'all', fetchPolicy: 'network-only' },
      watchQuery: { errorPolicy: 'all' },
      mutate: { errorPolicy: 'all' },
    },
  });
}

/** Runs a query and keeps a partial answer; an error that is not GraphQL's (network, HTTP) throws. */
export async function queryWithPartialData<T, V extends OperationVariables>(
  client: ApolloClient,
  document: TypedDocumentNode<T, V>,
  variables: V,
): Promise<PartialAnswer<T>> {
  // The document's own types fix T and V for callers; the generic call below only needs the data type.
  const result = await client.query({
    query: document as TypedDocumentNode<T, OperationVariables>,
    variables: variables as OperationVariables,
  });
  if (result.error && !CombinedGraphQLErrors.is(result.error)) throw result.error;
  const errors = CombinedGraphQLErrors.is(result.error) ? result.error.errors : [];
  return { data: (result.data as T | undefined) ?? null, errors: fieldErrors(errors) };
}
