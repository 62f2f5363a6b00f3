/**
 * `node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/profile-warm.ts [requests]`: the warm
 * dashboard, sequentially, in one process (sandbox, Redis-backed Concord), for a CPU profile of the
 * warm path. Prints the mean time per request; the profile shows where it goes.
 */
import { startInProcessDashboard } from './in-process-dashboard.js';

const requests = Number(process.argv[2] ?? 300);
const dashboard = await startInProcessDashboard();
for (let i = 0; i < 5; i++) await dashboard.post();
const calls = dashboard.upstreamCalls();
const started = performance.now();
for (let i = 0; i < requests; i++) await dashboard.post();
const ms = (performance.now() - started) / requests;
console.log(
  `warm dashboard: ${ms.toFixed(2)} ms per request over ${requests}; upstream calls during the run: ${dashboard.upstreamCalls() - calls}`,
);
await dashboard.stop();
