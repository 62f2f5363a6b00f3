import { startConcord } from './app.js';
import { readConfig } from './config.js';
import { createLogger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { installProcessErrorHandlers } from './observability/process-errors.js';
import { settleMemoryAfterStart } from './runtime/settle-memory.js';
import { exitGracefullyOnSignals, tolerateClosedStdout } from './runtime/shutdown.js';

/**
 * Start-up failures the operator fixes with a setting, Concord's or the sandbox's (by code: the
 * sandbox is not imported in live mode): bad values, a port that is taken. Their message is the story.
 */
function isExplained(error: unknown): error is Error {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === 'BAD_CONFIG' || code === 'LISTEN_FAILED';
}

async function main(): Promise<void> {
  tolerateClosedStdout();
  const config = readConfig();
  // JSON lines with redaction and each request's id (src/observability/logger.ts).
  const logger = createLogger(config.logLevel);
  // Before anything starts: an unhandled rejection is logged (and counted once metrics exist), never an exit.
  const count: { metrics?: Metrics | null } = {};
  installProcessErrorHandlers({
    logger,
    onUnhandledRejection: () => count.metrics?.recordUnhandledRejection(),
  });
  const concord = await startConcord(config, { logger });
  count.metrics = concord.observability.metrics;
  // Start-up's garbage returned to the system before the ready line (with --expose-gc, as in the image).
  const settleMs = settleMemoryAfterStart();
  if (settleMs !== null) logger.debug({ ms: Math.round(settleMs) }, 'start-up memory settled');
  const { gateway, connected } = concord;
  const lines = [`Concord ready at ${gateway.url}`];
  if (gateway.adminUrl) lines.push(`  metrics, status and probes at ${gateway.adminUrl} (ADMIN_PORT)`);
  const chosen = Object.values(connected.descriptors);
  if (connected.sandbox) {
    const twins: Record<string, { url: string } | undefined> = connected.sandbox.twins;
    lines.push(
      '  sandbox mode: no provider credentials set, so the built-in simulators answer',
      `  ${chosen.map((d) => `${d.title} ${twins[d.twin.name]?.url ?? '?'}`).join('  ')}`,
    );
  } else {
    const [crm, payments, analytics] = chosen.map((d) => d.title);
    lines.push(`  live mode: talking to ${crm}, ${payments} and ${analytics}`);
  }
  if (config.cursorSecretIsEphemeral)
    lines.push('  CURSOR_SECRET not set: cursors stop working when this process ends');
  if (concord.devToken) {
    lines.push(
      '  development token (every scope; signed with a random secret made for this process, so it is',
      '  no good anywhere else and dies with it). Send it as Authorization: Bearer <token>:',
      `  DEV_TOKEN=${concord.devToken}`,
    );
  }
  console.log(lines.join('\n'));

  // Unready, drain in-flight requests up to SHUTDOWN_GRACE_MS, close Redis and pools, exit 0.
  exitGracefullyOnSignals(concord, config.shutdown, { logger });
  // SIGHUP re-reads the trusted-documents manifest (and no longer ends the process, Node's default).
  process.on('SIGHUP', () => void gateway.reloadTrustedDocuments('SIGHUP'));
}

main().catch((error: unknown) => {
  console.error(isExplained(error) ? error.message : error);
  process.exit(1);
});
