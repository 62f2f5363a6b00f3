import type { ProviderStatusRow, StatusReport } from '../../observability/status-report.js';
import { DEFAULT_PRODUCTION_ADMIN_PORT } from '../../observability/settings.js';
import { CommandError, EXIT, type CliIo } from '../io.js';
import { strictArgs } from '../parse.js';

export const STATUS_USAGE =
  'concord status [--url ADMIN_URL] [--json]\n' +
  '                                   provider circuits and quotas from /status.json on the admin port';

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/** `hubspot default 12/190 per 10 s` for each quota class, with what it refused since start. */
function quotaText(row: ProviderStatusRow): string {
  if (!row.quota) return 'no quota';
  const classes = row.quota.classes.map((c) => {
    const windows = c.limits.map(
      (l) => `${l.limit}/${l.windowMs >= 1000 ? `${l.windowMs / 1000} s` : `${l.windowMs} ms`}`,
    );
    const left = c.remaining === null ? 'unused' : `${c.remaining} left`;
    return `${c.name} ${windows.join(', ')} (${left}${c.waiting > 0 ? `, ${c.waiting} waiting` : ''})`;
  });
  return `${classes.join('; ')}; throttled ${row.quota.throttled}, 429s ${row.quota.rateLimited}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

/** The admin listener's report, as a table (or raw with --json); METRICS_TOKEN is sent when set. */
export async function status(args: string[], io: CliIo): Promise<number> {
  const { values } = strictArgs(args, { url: { type: 'string' }, json: { type: 'boolean', default: false } });
  const base = values.url ?? `http://127.0.0.1:${io.env.ADMIN_PORT || DEFAULT_PRODUCTION_ADMIN_PORT}`;
  const url = new URL('/status.json', base);
  const token = io.env.METRICS_TOKEN;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new CommandError(
      `${url.href}: no answer (${error instanceof Error ? error.message : String(error)}); is ADMIN_PORT right?`,
    );
  }
  if (!response.ok) throw new CommandError(`${url.href}: HTTP ${response.status}`);
  const report = (await response.json()) as StatusReport;
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
    return EXIT.ok;
  }
  const rows = [
    ['provider', 'mode', 'circuit', 'calls', 'errors', 'p95 ms', 'quota'],
    ...report.providers.map((row) => [
      row.name,
      row.mode,
      row.circuit,
      String(row.calls),
      percent(row.errorRate),
      row.latencyP95Ms === null ? '-' : String(Math.round(row.latencyP95Ms)),
      quotaText(row),
    ]),
  ];
  for (const line of table(rows)) io.out(line);
  io.out(`(${report.generatedAt})`);
  // An open circuit is worth a non-zero exit for scripts; the table already says which.
  return report.providers.some((p) => !p.available) ? EXIT.failed : EXIT.ok;
}
