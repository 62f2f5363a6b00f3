/**
 * The naive build, as its own process: the same schema/*.graphql served by plain node:http and
 * graphql-js, over resolvers that call the providers one id at a time (resolvers.ts). No auth, no
 * limits, no cache: it exists only to show what Concord's batching and caching save.
 *
 * Env: PORT (0 picks one), and the live-mode provider settings Concord reads (HUBSPOT_BASE_URL,
 * HUBSPOT_ACCESS_TOKEN, STRIPE_BASE_URL, STRIPE_SECRET_KEY, POSTHOG_HOST, POSTHOG_API_KEY,
 * POSTHOG_PROJECT_ID). Prints `Baseline ready at <url>` once listening.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { createHubSpotCrm } from '../../datasources/hubspot/crm.js';
import { createPostHogAnalytics } from '../../datasources/posthog/analytics.js';
import { createStripePayments } from '../../datasources/stripe/payments.js';
import { baselineResolvers } from './resolvers.js';
import { DEFAULT_STRIPE_API_VERSION } from '../../datasources/stripe/settings.js';

/** The Stripe API version the sandbox speaks. */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const schemaDir = join(import.meta.dirname, '..', '..', 'schema');
const typeDefs = readdirSync(schemaDir)
  .filter((f) => f.endsWith('.graphql'))
  .sort()
  .map((f) => readFileSync(join(schemaDir, f), 'utf8'));

// The naive build makes every call at once (1,112 for the 90-day metrics): on a busy machine the
// twin answers some after the 10 s default. Its slowness is what is measured, not a failure.
const timeoutMs = 120_000;

const providers = {
  crm: createHubSpotCrm({
    baseUrl: required('HUBSPOT_BASE_URL'),
    accessToken: required('HUBSPOT_ACCESS_TOKEN'),
    timeoutMs,
  }),
  payments: createStripePayments({
    baseUrl: required('STRIPE_BASE_URL'),
    secretKey: required('STRIPE_SECRET_KEY'),
    apiVersion: process.env.STRIPE_API_VERSION ?? DEFAULT_STRIPE_API_VERSION,
    timeoutMs,
  }),
  analytics: createPostHogAnalytics({
    baseUrl: required('POSTHOG_HOST'),
    apiKey: required('POSTHOG_API_KEY'),
    projectId: required('POSTHOG_PROJECT_ID'),
    timeoutMs,
  }),
};

const schema = makeExecutableSchema({ typeDefs, resolvers: baselineResolvers(providers) });

const server = createServer((req, res) => {
  void (async () => {
    try {
      const { query, variables } = JSON.parse(await readBody(req)) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      const result = await graphql({ schema, source: query, variableValues: variables ?? null });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
    }
  })();
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Baseline ready at http://127.0.0.1:${port}/graphql`);
});

process.once('SIGTERM', () => {
  server.close();
  void Promise.all([providers.crm.close(), providers.payments.close(), providers.analytics.close()]).then(
    () => process.exit(0),
  );
});
