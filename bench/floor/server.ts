/**
 * The floor of the warm path, as its own process: the same schema/*.graphql served by plain node:http
 * and graphql-js (parse, validate, execute, JSON per request), over one answer held in memory. No
 * auth, limits, cache or providers: what executing the query costs when the data is already there.
 *
 * Env: PORT (0 picks one). Prints `Floor ready at <url>`. `PUT /answer` with `{data}` sets the data
 * every query resolves from (the bench stores Concord's own warm answer there, so both serve the
 * same bytes).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { loadTypeDefs } from '../../src/graphql/type-defs.js';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Default field resolvers read the stored answer's properties, as an in-memory data source would.
const schema = makeExecutableSchema({ typeDefs: loadTypeDefs() });
let rootValue: unknown = {};

const server = createServer((req, res) => {
  void (async () => {
    const body = await readBody(req);
    if (req.method === 'PUT' && req.url === '/answer') {
      rootValue = (JSON.parse(body) as { data: unknown }).data;
      res.writeHead(204).end();
      return;
    }
    const { query, variables } = JSON.parse(body) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const result = await graphql({ schema, source: query, rootValue, variableValues: variables ?? null });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  })().catch((error: unknown) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Floor ready at http://127.0.0.1:${port}/graphql`);
});

// Stopped by SIGTERM (bench/processes.ts): exiting normally lets `--cpu-prof` write its profile.
process.once('SIGTERM', () => process.exit(0));
