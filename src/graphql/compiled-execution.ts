/**
 * How Apollo executes an operation. Two things are decided per document rather than per field:
 *
 * - Field rules: before it runs, the operation's rules are decided from its document, variables and
 *   the viewer (src/auth/rules.ts). When nothing is refused, which is nearly always, it runs on the
 *   schema without guards; otherwise on the guarded one (graphql-js), where each refused field errors
 *   in its place.
 * - Execution: a document Apollo has seen before runs as JavaScript compiled for it (graphql-jit)
 *   instead of graphql-js's interpreter, which looks up every field's definition, arguments and type
 *   again on every row. Compiled once per document and operation (Apollo's document store hands back
 *   the same DocumentNode for the same text), the MAX_COMPILED_DOCUMENTS most recently used kept.
 *
 * What a client sees does not change: variables are coerced by graphql-js first (its messages, and
 * Apollo's 400 for them), a document graphql-jit cannot compile runs on graphql-js, and graphql-jit's
 * errors are rebuilt as graphql-js GraphQLErrors (locations, path, originalError, extensions), so
 * formatError, partial results and codes are the same on every path.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { OperationView } from '../auth/rules.js';
import type { CompiledExecutionSettings } from './compiled-execution-settings.js';

export interface ExecutionSchemas {
  /** Every field behind its rule. */
  guarded: GraphQLSchema;
  /** The same resolvers without the rules, for operations that are refused nothing. */
  open: GraphQLSchema;
  /** Whether the viewer in `context` is refused any field of the operation (fail closed: true when unsure). */
  refusesAnything: (context: unknown, view: OperationView) => boolean;
}

type Result = ExecutionResult<Record<string, unknown>>;

/** Per parsed document: how often it ran, and its fragments by name. */
interface DocumentEntry {
  uses: number;
  fragments: Record<string, FragmentDefinitionNode>;
}

/**
 * Documents kept compiled, least recently used dropped first. A compiled dashboard holds ~75 KB of
 * heap: without a bound, a client sending new documents twice each would grow the process until
 * Apollo's own document cache (30 MiB of parsed documents, thousands of them) let them go.
 */
export const MAX_COMPILED_DOCUMENTS = 200;

/** The offset in `body` of a 1-based line and column. */
function offsetOf(body: string, { line, column }: { line: number; column: number }): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = body.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return offset + column - 1;
}

/** Rebuilds one of graphql-jit's errors as graphql-js would have made it (`locatedError`). */
function asGraphQLError(error: unknown, document: DocumentNode): GraphQLError {
  if (!(error instanceof Error)) return new GraphQLError(String(error));
  if (error.constructor === GraphQLError) return error as GraphQLError;
  const jit = error as Error & {
    locations?: ReadonlyArray<{ line: number; column: number }>;
    path?: ReadonlyArray<string | number>;
    originalError?: Error;
  };
  const original = jit.originalError;
  // graphql-js passes on as it is a GraphQLError that already has a path.
  if (original instanceof GraphQLError && original.path) return original;
  const source = document.loc?.source;
  const positions = source && jit.locations ? jit.locations.map((l) => offsetOf(source.body, l)) : undefined;
  return new GraphQLError(jit.message, {
    ...(source && positions ? { source, positions } : {}),
    ...(jit.path ? { path: jit.path } : {}),
    ...(original ? { originalError: original } : {}),
  });
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<
    string,
    FragmentDefinitionNode
  >;
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return fragments;
}

/** `compile` is graphql-jit's; tests count its calls. */
export function createExecutor(
  schemas: ExecutionSchemas,
  settings: CompiledExecutionSettings,
  compile: typeof compileQuery = compileQuery,
): GatewayExecutor {
  const documents = new WeakMap<DocumentNode, DocumentEntry>();
  const entryOf = (document: DocumentNode): DocumentEntry => {
    let entry = documents.get(document);
    if (!entry) {
      entry = { uses: 0, fragments: fragmentsOf(document) };
      documents.set(document, entry);
    }
    return entry;
  };
  // Document → operation name → its compiled form (null: graphql-jit could not compile it). A Map
  // iterates in insertion order: moving a document to the end on each use makes the first the oldest.
  const compiledDocuments = new Map<DocumentNode, Map<string | null, CompiledQuery | null>>();
  const compiledFor = (
    entry: DocumentEntry,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    name: string | null,
  ): CompiledQuery | null => {
    const { compileAfterUses } = settings;
    if (compileAfterUses === null || entry.uses < compileAfterUses) return null;
    // Subscriptions stream over WebSocket on graphql-js.
    if (operation.operation === OperationTypeNode.SUBSCRIPTION) return null;
    let byName = compiledDocuments.get(document);
    if (byName) compiledDocuments.delete(document);
    else byName = new Map();
    compiledDocuments.set(document, byName);
    if (compiledDocuments.size > MAX_COMPILED_DOCUMENTS) {
      const oldest = compiledDocuments.keys().next().value;
      if (oldest) compiledDocuments.delete(oldest);
    }
    const known = byName.get(name);
    if (known !== undefined) return known;
    const result = compile(schemas.open, document, name ?? undefined, {
      disablingCapturingStackErrors: true,
    });
    // What graphql-jit cannot compile runs on graphql-js.
    const compiled = isCompiledQuery(result) ? result : null;
    byName.set(name, compiled);
    return compiled;
  };

  return async (requestContext) => {
    const { document, request, operation } = requestContext;
    const name = request.operationName ?? null;
    const context: unknown = requestContext.context;
    const inputs = request.variables ?? {};
    const entry = entryOf(document);
    entry.uses += 1;
    const variables = getVariableValues(schemas.guarded, operation.variableDefinitions ?? [], inputs);
    if (variables.errors) return { errors: variables.errors };
    const view: OperationView = {
      schema: schemas.guarded,
      fragments: entry.fragments,
      variableValues: variables.coerced,
      operation,
    };
    // A refused field errors in its place on the guarded schema: rare, so interpreted by graphql-js.
    const guarded = schemas.refusesAnything(context, view);
    const schema = guarded ? schemas.guarded : schemas.open;
    const compiled = guarded ? null : compiledFor(entry, document, operation, name);
    if (!compiled) {
      return (await execute({
        schema,
        document,
        contextValue: context,
        variableValues: inputs,
        operationName: name,
      })) as Result;
    }
    const result = (await compiled.query(undefined, context, inputs)) as Result;
    if (!result.errors?.length) return result;
    return { ...result, errors: result.errors.map((e) => asGraphQLError(e, document)) };
  };
}

/**
 * Apollo Server runs a custom executor only for a gateway: this one serves a fixed schema (the
 * guarded one, loaded once, never updated) and executes with `createExecutor`.
 */
export function executionGateway(
  schemas: ExecutionSchemas,
  settings: CompiledExecutionSettings,
): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => {
      callback({ apiSchema: schemas.guarded, coreSupergraphSdl: '' });
      return () => {};
    },
    load: async () => ({ executor: createExecutor(schemas, settings) }),
    stop: async () => {},
  };
}
