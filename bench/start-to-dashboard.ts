/**
 * How long after `npm start` says it is ready the first dashboard query is answered (cold: empty
 * loaders, first connections). Run: `npm run bench:start`. Prints one JSON line per run.
 */
import { spawnGateway } from '../test/support/spawn-gateway.js';

const DASHBOARD = `query ($since: DateTime!) { customers(first: 50) { edges { node { name company { name }
  deals(status: OPEN) { edges { node { name amount { formatted } } } }
  payments(first: 5) { edges { node { amount { formatted } status } } }
  lifetimeValue { formatted } activity(since: $since) { eventCount activeDays } } } } }`;

const runs = Number(process.argv[2] ?? 5);
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const gateway = await spawnGateway();
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token ?? ''}` },
    body: JSON.stringify({
      query: DASHBOARD,
      variables: { since: new Date(Date.now() - 30 * 86_400_000).toISOString() },
    }),
  });
  const body = (await res.json()) as { errors?: unknown };
  const answered = performance.now();
  await gateway.stop();
  console.log(
    JSON.stringify({
      run: i + 1,
      startToReadyMs: Math.round(gateway.readyAt - started),
      readyToAnswerMs: Math.round(answered - gateway.readyAt),
      ok: body.errors === undefined,
    }),
  );
}
