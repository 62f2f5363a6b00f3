/**
 * Preloaded into a server process (`node --import ./bench/cold-trace/preload.mjs …`) by
 * bench/cold-trace/run.ts: prints one line per HTTP request the process serves and per request it
 * makes through undici, with times on the clock every process shares (ms since the epoch), so a
 * cold dashboard's upstream calls can be laid out against its own start. Changes nothing else.
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const now = () => performance.timeOrigin + performance.now();
const tag = process.env.COLD_TRACE_TAG ?? 'process';
const served = new WeakMap();
/** The sandbox's own work per request (sandbox/http/serve.ts HANDLED_CHANNEL), printed with its line. */
const work = new WeakMap();
diagnostics.subscribe('concord-sandbox:handled', ({ request, ms }) => work.set(request, ms));
const made = new WeakMap();

// The URL as it arrived: a router rewrites request.url while it routes.
diagnostics.subscribe('http.server.request.start', ({ request }) =>
  served.set(request, { start: now(), what: `${request.method} ${request.url}` }),
);
diagnostics.subscribe('http.server.response.finish', ({ request }) => {
  const call = served.get(request);
  if (call)
    process.stdout.write(
      `[trace ${tag}] served ${call.start.toFixed(2)} ${now().toFixed(2)} ${(work.get(request) ?? -1).toFixed(2)} ${call.what}\n`,
    );
});
diagnostics.subscribe('undici:request:create', ({ request }) => made.set(request, { start: now() }));
diagnostics.subscribe('undici:request:headers', ({ request }) => {
  const call = made.get(request);
  if (call) call.headers = now();
});
diagnostics.subscribe('undici:request:trailers', ({ request }) => {
  const call = made.get(request);
  if (call)
    process.stdout.write(
      `[trace ${tag}] called ${call.start.toFixed(2)} ${(call.headers ?? now()).toFixed(2)} ${now().toFixed(2)} ${request.method} ${request.origin}${request.path}\n`,
    );
});
