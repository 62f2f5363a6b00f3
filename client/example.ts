/**
 * A typed Concord client, as a frontend would write one: graphql-request plus the documents
 * `npm run codegen` generates from client/operations/. Every result and variables type comes from
 * codegen, so a schema change that breaks an operation breaks the frontend's build, not its users.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind } from 'graphql';
import { GraphQLClient, type RequestMiddleware } from 'graphql-request';
import {
  CustomerByEmailDocument,
  DashboardDocument,
  MetricsDocument,
  PaymentsPageDocument,
  type CustomerByEmailQuery,
  type DashboardQuery,
  type DashboardQueryVariables,
  type MetricsQuery,
  type MetricsQueryVariables,
  type PaymentsPageQuery,
  type PaymentsPageQueryVariables,
} from './generated/graphql.js';

export interface ConcordClientOptions {
  /** e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /**
   * Send each operation's manifest id (`documentId`) instead of its text: what a server running
   * TRUSTED_DOCUMENTS=allow-listed-only accepts, and a smaller request everywhere.
   */
  persisted?: boolean;
}

const DOCUMENTS: ReadonlyArray<TypedDocumentNode<unknown, never>> = [
  DashboardDocument,
  CustomerByEmailDocument,
  PaymentsPageDocument,
  MetricsDocument,
];

/** Operation name -> the manifest id codegen embedded in its document (`__meta__.hash`). */
export const DOCUMENT_IDS: ReadonlyMap<string, string> = new Map(
  DOCUMENTS.flatMap((document) => {
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
    return operation?.name && typeof hash === 'string' ? [[operation.name.value, hash] as const] : [];
  }),
);

/** Rewrites a request body to carry the operation's documentId and no document text. */
const sendDocumentId: RequestMiddleware = (request) => {
  const documentId = request.operationName ? DOCUMENT_IDS.get(request.operationName) : undefined;
  if (!documentId)
    throw new Error(`no persisted document for operation ${request.operationName ?? '(unnamed)'}`);
  return {
    ...request,
    body: JSON.stringify({ documentId, operationName: request.operationName, variables: request.variables }),
  };
};

export interface ConcordClient {
  dashboard(variables?: DashboardQueryVariables): Promise<DashboardQuery>;
  customerByEmail(email: string): Promise<CustomerByEmailQuery>;
  paymentsPage(variables: PaymentsPageQueryVariables): Promise<PaymentsPageQuery>;
  metrics(variables: MetricsQueryVariables): Promise<MetricsQuery>;
}

export function createConcordClient(endpoint: string, options: ConcordClientOptions = {}): ConcordClient {
  const client = new GraphQLClient(endpoint, {
    headers: options.headers ?? {},
    ...(options.persisted ? { requestMiddleware: sendDocumentId } : {}),
  });
  return {
    dashboard: (variables = {}) => client.request(DashboardDocument, variables),
    customerByEmail: (email) => client.request(CustomerByEmailDocument, { email }),
    paymentsPage: (variables) => client.request(PaymentsPageDocument, variables),
    metrics: (variables) => client.request(MetricsDocument, variables),
  };
}
