// Preloaded into a server process (`node --import ./bench/warm-wait/probe.mjs …`) by bench/warm-wait.ts:
// for each HTTP request, appended as one JSON line to PROBE_FILE: its wall time (request start to
// response finish), the part the event loop was busy (eventLoopUtilization; the rest is waiting),
// the main thread's CPU time, the whole process's CPU time (GC helpers and the optimizing compiler
// run on other threads), and GC pause time. Meant for sequential requests: with one request in
// flight, everything in the window is that request's.
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { subscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { GCProfiler } from 'node:v8';

const file = process.env.PROBE_FILE;
/** GC pauses (and their cost) from now until `stop()`. */
function gcProfiler() {
  const profiler = new GCProfiler();
  profiler.start();
  return profiler;
}

if (file) {
  const cpu = (usage) => (usage.user + usage.system) / 1000;
  const open = new WeakMap();
  subscribe('http.server.request.start', ({ response }) => {
    open.set(response, {
      t: performance.now(),
      elu: performance.eventLoopUtilization(),
      // One profiler a request (sequential requests only): its statistics are the pauses inside.
      gc: gcProfiler(),
      thread: process.threadCpuUsage(),
      process: process.cpuUsage(),
    });
  });
  subscribe('http.server.response.finish', ({ response }) => {
    const start = open.get(response);
    if (!start) return;
    const elu = performance.eventLoopUtilization(start.elu);
    const pauses = start.gc.stop()?.statistics ?? [];
    const line = {
      wallMs: performance.now() - start.t,
      busyMs: elu.active,
      idleMs: elu.idle,
      threadCpuMs: cpu(process.threadCpuUsage(start.thread)),
      processCpuMs: cpu(process.cpuUsage(start.process)),
      gcMs: pauses.reduce((sum, p) => sum + p.cost, 0) / 1000,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
