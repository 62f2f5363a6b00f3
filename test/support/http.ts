import type { Gateway } from '../../src/server.js';
import type { GraphQLResponse } from './stack.js';

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: GraphQLResponse;
}

/** POSTs a GraphQL query with exactly the headers given (no default token), keeping status and headers. */
export async function rawQuery(
  gateway: Gateway,
  query: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as GraphQLResponse };
}

/** The whole body of an incoming request, as the bytes that were sent (signatures are over these). */
export async function readBody(req: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
