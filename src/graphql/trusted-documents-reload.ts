import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ConfigError } from '../config.js';
import { TrustedDocumentStore } from './trusted-documents.js';
import { ManifestUnreadable, readManifest } from './trusted-documents-source.js';
import { describeManifest, type TrustedDocumentsSettings } from './trusted-documents-settings.js';

/**
 * The trusted-documents manifest from outside the image: read at start (failing closed in
 * allow-listed-only mode), then again every TRUSTED_DOCUMENTS_RELOAD_MS and on SIGHUP. A reload
 * that cannot read or check the new manifest changes nothing: the last good one keeps running,
 * and the failure is logged and counted, so a bad publish never takes the API down.
 */

/** What one reload did: `updated` (new documents running), `unchanged`, or `failed` (last good kept). */
export type ReloadResult = 'updated' | 'unchanged' | 'failed';
/** What asked for the reload, for the log line. */
export type ReloadTrigger = 'interval' | 'SIGHUP' | 'manual';

const RESULTS: readonly ReloadResult[] = ['updated', 'unchanged', 'failed'];

export interface TrustedDocumentsDeps {
  logger: Logger;
  /** Concord's metrics registry; null with METRICS=false. */
  registry: Registry | null;
  /** Called with the store after each load that changed it (at start too), e.g. to trust its operation names. */
  onLoaded?: (store: TrustedDocumentStore) => void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class TrustedDocumentsReloader {
  /** The store every request reads; reloads swap its contents. */
  readonly store: TrustedDocumentStore;
  private readonly required: boolean;
  private readonly recordResult: (result: ReloadResult) => void;
  private etag: string | null = null;
  private textHash: string | null = null;
  private inFlight: Promise<ReloadResult> | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly settings: TrustedDocumentsSettings,
    private readonly deps: TrustedDocumentsDeps,
  ) {
    this.store = TrustedDocumentStore.empty();
    this.required = settings.mode === 'allow-listed-only';
    this.recordResult = deps.registry ? registerMetrics(deps.registry, this.store) : () => {};
  }

  /**
   * Reads the manifest once and starts the interval. In allow-listed-only mode a missing,
   * unreadable, invalid or empty manifest stops start-up with a ConfigError; with the switch off
   * the manifest is optional (it only lets clients send ids) and the server starts without it.
   */
  static async open(
    settings: TrustedDocumentsSettings,
    deps: TrustedDocumentsDeps,
  ): Promise<TrustedDocumentsReloader> {
    const reloader = new TrustedDocumentsReloader(settings, deps);
    try {
      await reloader.load();
    } catch (error) {
      const problem = `TRUSTED_DOCUMENTS_MANIFEST=${JSON.stringify(describeManifest(settings.manifest))}: ${reasonOf(error)}`;
      if (reloader.required) throw new ConfigError([problem]);
      // Optional with the switch off: documents still run as text; ids wait for a good reload.
      deps.logger.warn({ manifest: describeManifest(settings.manifest) }, `${problem}; starting without it`);
    }
    reloader.start();
    return reloader;
  }

  /** Reads the manifest again now; concurrent calls share one read. Never rejects. */
  reload(trigger: ReloadTrigger = 'manual'): Promise<ReloadResult> {
    this.inFlight ??= this.reloadOnce(trigger).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private start(): void {
    if (this.settings.reloadMs <= 0) return;
    // Unref'd: a pending reload never keeps a stopping process alive.
    this.timer = setInterval(() => void this.reload('interval'), this.settings.reloadMs).unref();
  }

  private async reloadOnce(trigger: ReloadTrigger): Promise<ReloadResult> {
    const where = describeManifest(this.settings.manifest);
    let result: ReloadResult;
    try {
      result = await this.load();
      if (result === 'updated') {
        this.deps.logger.info(
          { trigger, manifest: where, documents: this.store.size },
          'trusted documents reloaded',
        );
      }
    } catch (error) {
      result = 'failed';
      this.deps.logger.warn(
        { trigger, manifest: where, reason: reasonOf(error), documents: this.store.size },
        'trusted documents reload failed; the last good manifest keeps running',
      );
    }
    this.recordResult(result);
    return result;
  }

  /** Reads, checks and swaps in the manifest; throws (changing nothing) when it cannot. */
  private async load(): Promise<ReloadResult> {
    const read = await readManifest(this.settings.manifest, this.etag);
    if (read === 'unchanged') return 'unchanged';
    const hash = sha256(read.text);
    if (hash === this.textHash) return 'unchanged';
    const next = TrustedDocumentStore.fromText(read.text);
    if (this.required && next.size === 0) throw new Error('it has no documents, so nothing could run');
    this.store.replaceWith(next);
    this.etag = read.etag;
    this.textHash = hash;
    this.deps.onLoaded?.(this.store);
    return 'updated';
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof ManifestUnreadable) {
    const hint = error.location.kind === 'file' ? '; run `npm run codegen` or point it at the manifest' : '';
    return `cannot read it (${error.reason})${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** `concord_trusted_documents` (read at scrape) and `concord_trusted_documents_reloads_total{result}`. */
function registerMetrics(registry: Registry, store: TrustedDocumentStore): (result: ReloadResult) => void {
  new Gauge({
    name: 'concord_trusted_documents',
    help: 'Documents in the trusted-documents manifest this replica runs',
    registers: [registry],
    collect() {
      this.set(store.size);
    },
  });
  const reloads = new Counter({
    name: 'concord_trusted_documents_reloads_total',
    help: 'Reloads of the trusted-documents manifest (interval or SIGHUP) by result; failed keeps the last good manifest',
    labelNames: ['result'],
    registers: [registry],
  });
  // Every result from the first scrape, so a rate() over `failed` has a series before the first failure.
  for (const result of RESULTS) reloads.inc({ result }, 0);
  return (result) => reloads.inc({ result });
}
