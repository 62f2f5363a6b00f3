// The query editor's GraphQL language service (completion, validation against the schema).
import 'monaco-graphql/esm/graphql.worker.js';
