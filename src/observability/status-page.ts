import { createHash } from 'node:crypto';

/** How often the page asks /status.json again. */
export const DEFAULT_STATUS_REFRESH_MS = 2_000;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
p { color: #5b6270; margin: 0 0 1rem; }
table { border-collapse: collapse; background: #fff; min-width: 56rem; }
th, td { padding: .5rem .9rem; border-bottom: 1px solid #e3e5ea; text-align: left; }
th { font-weight: 600; background: #eef0f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.circuit { font-weight: 700; border-radius: 4px; padding: .1rem .45rem; }
.CLOSED { color: #0a6b2f; background: #dcf5e5; }
.HALF_OPEN { color: #7a5200; background: #fdf0cf; }
.OPEN { color: #fff; background: #c62828; }
tr.down td { background: #fdecec; }
#error { color: #c62828; }
`;

const SCRIPT = `
const REFRESH_MS = ${DEFAULT_STATUS_REFRESH_MS};
const pct = (x) => (x === null ? '–' : (x * 100).toFixed(1) + ' %');
const ms = (x) => (x === null ? '–' : x.toFixed(0) + ' ms');
function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}
function render(report) {
  const body = document.getElementById('rows');
  body.replaceChildren();
  for (const p of report.providers) {
    const row = document.createElement('tr');
    row.dataset.provider = p.name;
    if (!p.available) row.className = 'down';
    cell(row, p.name + ' (' + p.domain.toLowerCase() + ')');
    cell(row, p.mode);
    const circuit = cell(row, '');
    const badge = document.createElement('span');
    badge.className = 'circuit ' + p.circuit;
    badge.textContent = p.circuit.replace('_', '-');
    circuit.appendChild(badge);
    cell(row, p.available ? 'available' : 'unavailable');
    cell(row, pct(p.errorRate) + ' of ' + p.calls, 'num');
    cell(row, ms(p.latencyP50Ms), 'num');
    cell(row, ms(p.latencyP95Ms), 'num');
    cell(row, pct(p.cacheHitRatio), 'num');
    cell(row, p.bulkhead.active + ' / ' + p.bulkhead.queued, 'num');
    body.appendChild(row);
  }
  document.getElementById('updated').textContent = 'updated ' + new Date(report.generatedAt).toLocaleTimeString();
  document.getElementById('error').textContent = '';
}
async function refresh() {
  try {
    const res = await fetch('status.json', { cache: 'no-store' });
    if (!res.ok) throw new Error('status.json answered ' + res.status);
    render(await res.json());
  } catch (error) {
    document.getElementById('error').textContent = String(error);
  }
}
refresh();
setInterval(refresh, REFRESH_MS);
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Only this page's own inline style and script (by hash) and requests to this origin: nothing
 * from elsewhere can run or load, and the page cannot be framed.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The status page: a table that fills itself from status.json and refreshes every two seconds. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Concord status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Concord providers</h1>
<p><span id="updated">loading…</span> <span id="error"></span></p>
<table>
<thead><tr><th>provider</th><th>mode</th><th>circuit</th><th>availability</th><th>error rate of recent calls</th><th>p50</th><th>p95</th><th>cache hit ratio</th><th>bulkhead active / queued</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
