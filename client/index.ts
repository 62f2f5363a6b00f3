/**
 * `@concord/client`: the typed documents and types `npm run codegen` makes from client/operations/,
 * and the partial-answer helpers every client setup shares. Library-specific setups are subpaths
 * (`@concord/client/graphql-request`, `/urql`, `/apollo`), so an app installs only its own library.
 */
export * from './generated/graphql.js';
export { graphql } from './generated/gql.js';
export * from './partial-answers.js';
