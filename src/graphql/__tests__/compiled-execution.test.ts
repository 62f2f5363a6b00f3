import { describe, expect, it } from '@jest/globals';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { compileQuery } from 'graphql-jit';
import { readConfig } from '../../config.js';
import { configProblems } from '../../../test/support/config.js';
import { createExecutor, MAX_COMPILED_DOCUMENTS, type ExecutionSchemas } from '../compiled-execution.js';

const typeDefs = 'type Query { greeting(name: String!): String! secret: String }';
const resolvers = { Query: { greeting: (_: unknown, { name }: { name: string }) => `hello ${name}` } };

function schemas(refuses: boolean): ExecutionSchemas {
  const open = makeExecutableSchema({ typeDefs, resolvers });
  const guarded = makeExecutableSchema({
    typeDefs,
    resolvers: {
      Query: {
        ...resolvers.Query,
        secret: () => {
          throw new Error('refused');
        },
      },
    },
  });
  return { open, guarded, refusesAnything: () => refuses };
}

/** graphql-jit's compileQuery, counting its calls. */
function countingCompile(): { compile: typeof compileQuery; count: () => number } {
  let compiles = 0;
  return {
    compile: (...args) => {
      compiles += 1;
      return compileQuery(...args);
    },
    count: () => compiles,
  };
}

function request(document: DocumentNode, variables: Record<string, unknown>) {
  const operation = document.definitions[0] as OperationDefinitionNode;
  return {
    document,
    operation,
    request: { variables },
    context: {},
  } as unknown as GatewayGraphQLRequestContext;
}

describe('createExecutor', () => {
  it('compiles a document at its n-th use, once, and answers the same before and after', async () => {
    const { compile: counting, count } = countingCompile();
    const execute = createExecutor(schemas(false), { compileAfterUses: 2 }, counting);
    const document = parse('query ($n: String!) { greeting(name: $n) }');
    const answers = [];
    for (let use = 1; use <= 4; use++) {
      answers.push(await execute(request(document, { n: 'Ada' })));
      expect(count()).toBe(use < 2 ? 0 : 1);
    }
    for (const answer of answers) expect(answer).toEqual({ data: { greeting: 'hello Ada' } });
  });

  it('never compiles when off, nor an operation that is refused a field', async () => {
    const { compile: counting, count } = countingCompile();
    const document = parse('{ secret }');
    const off = createExecutor(schemas(false), { compileAfterUses: null }, counting);
    const refused = createExecutor(schemas(true), { compileAfterUses: 1 }, counting);
    for (let use = 0; use < 3; use++) {
      expect(await off(request(document, {}))).toEqual({ data: { secret: null } });
      const answer = await refused(request(document, {}));
      expect(answer.data).toEqual({ secret: null });
      expect(answer.errors?.[0]?.message).toBe('refused');
    }
    expect(count()).toBe(0);
  });

  it('keeps at most MAX_COMPILED_DOCUMENTS compiled, dropping the least recently used', async () => {
    const { compile: counting, count } = countingCompile();
    const execute = createExecutor(schemas(false), { compileAfterUses: 1 }, counting);
    const documents = Array.from({ length: MAX_COMPILED_DOCUMENTS + 1 }, (_, i) =>
      parse(`query ($n: String!) { g${i}: greeting(name: $n) }`),
    );
    // One more than the bound: the first is dropped; the last is kept, so asking it again compiles nothing.
    for (const document of documents) await execute(request(document, { n: 'a' }));
    expect(count()).toBe(MAX_COMPILED_DOCUMENTS + 1);
    await execute(request(documents.at(-1) as DocumentNode, { n: 'a' }));
    expect(count()).toBe(MAX_COMPILED_DOCUMENTS + 1);
    const answer = await execute(request(documents[0] as DocumentNode, { n: 'b' }));
    expect(answer).toEqual({ data: { g0: 'hello b' } });
    expect(count()).toBe(MAX_COMPILED_DOCUMENTS + 2);
  });

  it("refuses a bad variable with graphql-js's own error, compiled or not", async () => {
    const document = parse('query ($n: String!) { greeting(name: $n) }');
    const execute = createExecutor(schemas(false), { compileAfterUses: 1 });
    const answer = await execute(request(document, { n: 5 }));
    expect(answer.errors?.[0]?.message).toBe(
      'Variable "$n" got invalid value 5; String cannot represent a non string value: 5',
    );
  });
});

describe('GRAPHQL_COMPILE_AFTER_USES', () => {
  it('compiles from the second use unless told', () => {
    expect(readConfig({}).compiledExecution).toEqual({ compileAfterUses: 2 });
    expect(readConfig({ GRAPHQL_COMPILE_AFTER_USES: '1' }).compiledExecution).toEqual({
      compileAfterUses: 1,
    });
    expect(readConfig({ GRAPHQL_COMPILE_AFTER_USES: 'off' }).compiledExecution).toEqual({
      compileAfterUses: null,
    });
  });

  it.each(['0', 'never', '-1', '2.5', '1001'])('refuses %s with one line naming the variable', (value) => {
    const problems = configProblems({ GRAPHQL_COMPILE_AFTER_USES: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^GRAPHQL_COMPILE_AFTER_USES/);
  });
});
