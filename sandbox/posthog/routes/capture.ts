import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import qs from 'qs';
import { json, route, type Reply, type RouteDef, type RouteFailures } from '../../http/route.js';

/** The project token (`phc_…`) capture accepts: a fixed development value, like the other sandbox keys. */
export const POSTHOG_PROJECT_TOKEN = 'phc_ConcordSandbox0000000000000000000000000000000';

/** An event as accepted by capture (once per uuid); kept so tests can read what came in. */
export interface CapturedEvent {
  uuid: string;
  event: string;
  distinctId: string;
  properties: Record<string, unknown>;
  /** Epoch ms: the event's own `timestamp` when given, else when it arrived. */
  timestamp: number;
}

/** The Rust capture service's events routes (each also without the trailing slash). */
export const CAPTURE_PATHS = ['/batch/', '/e/', '/i/v0/e/', '/capture/', '/track/', '/engage/'] as const;

/** `/batch` takes up to 20 MB, the single-event routes 2 MB (PostHog's capture router). */
const MAX_BATCH_BYTES = 20 * 1024 * 1024;
const MAX_EVENT_BYTES = 2 * 1024 * 1024;
const MAX_DISTINCT_ID_CHARS = 200;

/** Capture answers errors in plain text, not JSON: the Rust service's `CaptureError` display strings. */
function captureError(status: number, text: string): Reply {
  return { status, text };
}

const TOO_LARGE = 'maximum event size exceeded: request too large';

/** The shared failures (knobs, an oversized body) as capture words them: plain text, never DRF's JSON. */
const CAPTURE_FAILURES: RouteFailures = {
  rateLimited: () => captureError(429, 'rate limited'),
  serverError: () => captureError(500, 'internal error'),
  unavailable: () => captureError(503, 'transient error, please retry'),
  malformedBody: () => captureError(400, 'failed to decode request'),
  tooLarge: () => captureError(413, TOO_LARGE),
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body as text: gzip is detected from its magic bytes whatever `?compression=` says; form `data=` is unwrapped. */
function decodeBody(
  raw: Buffer,
  contentType: string | undefined,
): { ok: true; text: string } | { ok: false; reply: Reply } {
  let bytes = raw;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      return {
        ok: false,
        reply: captureError(400, `failed to decode request: ${(error as Error).message}`),
      };
    }
  }
  const text = bytes.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = qs.parse(text);
    if (typeof form.data !== 'string')
      return { ok: false, reply: captureError(400, 'request missing data payload') };
    // base64 and lz64 payloads are refused by PostHog's capture too (only plain JSON in `data=`).
    return { ok: true, text: form.data };
  }
  return { ok: true, text };
}

interface Envelope {
  events: Json[];
  batchToken: string | undefined;
}

/** A single event, an array of events, or `{api_key|token, batch: […]}`. */
function envelopeOf(value: unknown): Envelope | undefined {
  if (Array.isArray(value)) return { events: value.filter(isObject), batchToken: undefined };
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.batch)) {
    const token = value.api_key ?? value.token;
    return {
      events: value.batch.filter(isObject),
      batchToken: typeof token === 'string' ? token : undefined,
    };
  }
  return { events: [value], batchToken: undefined };
}

function tokenOf(event: Json): string | undefined {
  const props = isObject(event.properties) ? event.properties : {};
  for (const candidate of [event.token, event.api_key, event.$token, props.token]) {
    if (typeof candidate === 'string') return candidate;
  }
  return undefined;
}

/** Parses and checks a capture request; every event is accepted or the whole request is refused, as PostHog does. */
export function readCapture(
  raw: Buffer,
  contentType: string | undefined,
  limitBytes: number,
  now: number,
): { ok: true; events: CapturedEvent[] } | { ok: false; reply: Reply } {
  if (raw.length > limitBytes) return { ok: false, reply: captureError(413, TOO_LARGE) };
  const decoded = decodeBody(raw, contentType);
  if (!decoded.ok) return decoded;
  if (decoded.text.trim() === '') return { ok: false, reply: captureError(400, 'request holds no event') };
  let value: unknown;
  try {
    value = JSON.parse(decoded.text);
  } catch (error) {
    return { ok: false, reply: captureError(400, `failed to parse request: ${(error as Error).message}`) };
  }
  const envelope = envelopeOf(value);
  if (!envelope || envelope.events.length === 0)
    return { ok: false, reply: captureError(400, 'request holds no event') };

  let token = envelope.batchToken;
  if (token === undefined) {
    const tokens = new Set(envelope.events.map(tokenOf));
    if (tokens.size > 1)
      return { ok: false, reply: captureError(401, 'batch submitted with inconsistent api_key values') };
    token = [...tokens][0];
  }
  if (token === undefined || token === '')
    return { ok: false, reply: captureError(401, 'event submitted without an api_key') };
  if (token.startsWith('phx_'))
    return { ok: false, reply: captureError(401, 'API key is not valid: personal api key') };
  // PostHog would take an unknown project token and drop its events later; the sandbox has one project and says so.
  if (token !== POSTHOG_PROJECT_TOKEN)
    return { ok: false, reply: captureError(401, 'API key is not valid: unknown project token') };

  const events: CapturedEvent[] = [];
  for (const event of envelope.events) {
    if (typeof event.event !== 'string' || event.event === '') {
      return { ok: false, reply: captureError(400, 'event submitted with an empty event name') };
    }
    const properties = isObject(event.properties) ? event.properties : {};
    const rawId = event.distinct_id ?? event.$distinct_id ?? properties.distinct_id;
    if (rawId === undefined || rawId === null || rawId === '') {
      return { ok: false, reply: captureError(400, 'event submitted without a distinct_id') };
    }
    const distinctId = (typeof rawId === 'string' ? rawId : JSON.stringify(rawId)).slice(
      0,
      MAX_DISTINCT_ID_CHARS,
    );
    let timestamp = now;
    if (event.timestamp !== undefined && event.timestamp !== null) {
      const parsed = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
      if (Number.isNaN(parsed))
        return { ok: false, reply: captureError(400, 'event submitted with invalid timestamp') };
      timestamp = parsed;
    }
    events.push({
      uuid: typeof event.uuid === 'string' && event.uuid !== '' ? event.uuid : randomUUID(),
      event: event.event,
      distinctId,
      properties,
      timestamp,
    });
  }
  return { ok: true, events };
}

/**
 * PostHog's public capture routes as the Rust capture service serves them: no personal key, the
 * project token in the body; a single event, an array or a `{batch}` envelope, gzipped or not, or a
 * form's `data=`. 200 `{"status":"Ok"}` (204 with `?beacon=1`), errors in plain text. Every accepted
 * event goes to `accept`, which stores it unless its uuid was captured before (PostHog keeps an event once).
 */
export function captureRoutes(accept: (event: CapturedEvent) => void): RouteDef[] {
  return CAPTURE_PATHS.map((path) =>
    route({
      method: 'POST',
      path,
      operationId: `capture_${path.replace(/\W+/g, '_').replace(/^_|_$/g, '')}`,
      summary:
        'Capture events with the project token: one event, an array, or {api_key, batch}; gzip or form data= accepted',
      tags: ['capture'],
      public: true,
      maxBodyBytes: path === '/batch/' ? MAX_BATCH_BYTES : MAX_EVENT_BYTES,
      failures: CAPTURE_FAILURES,
      responses: {
        200: '{"status":"Ok"} (204 with ?beacon=1)',
        400: 'Undecodable or empty body, no event name or distinct_id (plain text)',
        401: 'No, mixed, personal or unknown token (plain text)',
        413: 'Body over the route limit: 20 MB on /batch, 2 MB on the others (plain text)',
        429: 'Over the rate-limit knob (plain text)',
      },
      handle: ({ rawBody, headers, url }) => {
        const limit = path === '/batch/' ? MAX_BATCH_BYTES : MAX_EVENT_BYTES;
        const read = readCapture(rawBody, headers['content-type'], limit, Date.now());
        if (!read.ok) return read.reply;
        for (const event of read.events) accept(event);
        const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
        return query.get('beacon') === '1' ? { status: 204 } : json(200, { status: 'Ok' });
      },
    }),
  );
}
