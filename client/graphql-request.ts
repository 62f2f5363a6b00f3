/**
 * `@concord/client/graphql-request`: the typed client (optionally sending manifest ids, for a
 * gateway that runs trusted documents only) and the partial-answer setup, both on graphql-request 7.
 */
export {
  createConcordClient,
  DOCUMENT_IDS,
  type ConcordClient,
  type ConcordClientOptions,
} from './example.js';
export { createConcordPartialClient, queryWithPartialData } from './graphql-request-client.js';
