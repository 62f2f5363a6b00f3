/**
 * `npm exec -- node --import tsx bench/allocations-warm.ts [requests]`: what the warm dashboard
 * allocates, by function. Sandbox, Redis-backed Concord (the source, production settings) and the
 * client run in one process; V8's sampling heap profiler counts every sampled allocation, kept or
 * collected, over `requests` sequential warm requests. Allocation is what the scavenger and the
 * mark-compactor later pay for: the garbage collector's share of a warm request follows it.
 */
import { Session } from 'node:inspector/promises';
import { startInProcessDashboard } from './in-process-dashboard.js';

interface SampledNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampledNode[];
}

const requests = Number(process.argv[2] ?? 200);
const dashboard = await startInProcessDashboard();
for (let i = 0; i < 30; i++) await dashboard.post();

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (let i = 0; i < requests; i++) await dashboard.post();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SampledNode } };
session.disconnect();

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
let total = 0;
const place = (url: string) =>
  url.includes('node_modules/')
    ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    : url.startsWith('node:') || url === ''
      ? url || '(native)'
      : url.replace(/.*\/(src|datasources|sandbox|bench|test)\//, '$1/');
const walk = (node: SampledNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (node.selfSize > 0) {
    total += node.selfSize;
    const key = `${functionName || '(anonymous)'} ${place(url)}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    byPlace.set(place(url), (byPlace.get(place(url)) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child);
};
walk(profile.head);
const kb = (bytes: number) => `${(bytes / 1024 / requests).toFixed(1)} KB`;
console.log(`allocated per warm dashboard (server, sandbox and client together): ${kb(total)}`);
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .forEach(([key, bytes]) => console.log(`${kb(bytes).padStart(10)}  ${key}`));
console.log('by place:');
top(byPlace, 25);
console.log('by function:');
top(byFunction, 40);

await dashboard.stop();
