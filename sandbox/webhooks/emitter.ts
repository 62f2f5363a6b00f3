import { createHmac, randomUUID } from 'node:crypto';

/** Where and how the sandbox announces data changes; a missing URL or secret turns that provider's webhooks off. */
export interface WebhookSettings {
  /** The gateway's base URL; deliveries go to `${url}/webhooks/stripe` and `${url}/webhooks/hubspot`. */
  url?: string | undefined;
  stripeSecret?: string | undefined;
  hubspotClientSecret?: string | undefined;
  /** Attempts after the first failure (network error or non-2xx); providers retry for days, tests need little. */
  retries?: number;
  /** Pause before a retry, doubled each time. */
  retryDelayMs?: number;
}

/** One attempt to deliver one webhook: what was sent and what the receiver answered. */
export interface WebhookDelivery {
  provider: 'stripe' | 'hubspot';
  url: string;
  /** The Stripe event id, or the HubSpot batch's event ids joined by commas. */
  eventIds: string[];
  /** Stripe event type, or the HubSpot subscription types. */
  types: string[];
  attempt: number;
  /** The receiver's status code; null when the request failed before an answer. */
  status: number | null;
  error?: string;
  body: string;
  headers: Record<string, string>;
}

export interface StripeEventInput {
  type: string;
  object: Record<string, unknown>;
  previousAttributes?: Record<string, unknown>;
  requestId: string | null;
  idempotencyKey: string | null;
}

export type HubSpotSubscriptionType =
  | 'contact.creation'
  | 'contact.propertyChange'
  | 'company.creation'
  | 'company.propertyChange'
  | 'deal.creation'
  | 'deal.propertyChange'
  | 'contact.deletion'
  | 'company.deletion'
  | 'deal.deletion';

export interface HubSpotEventInput {
  subscriptionType: HubSpotSubscriptionType;
  objectId: string;
  propertyName?: string;
  propertyValue?: string;
}

/** The version stripe-node 23.1.0 pins (FACTS §1); stamped on events as Stripe stamps the account's version. */
export const STRIPE_EVENT_API_VERSION = '2026-10-28.endive';
/** Fixed portal and app ids: the sandbox is one fake HubSpot account. */
export const HUBSPOT_PORTAL_ID = 62515;
export const HUBSPOT_APP_ID = 1160452;

export function stripeSignatureHeader(secret: string, body: string, timestampS: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

export function hubspotSignatureV3(
  secret: string,
  method: string,
  uri: string,
  body: string,
  timestampMs: number,
): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestampMs}`).digest('base64');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends signed Stripe events and HubSpot batches to the gateway when simulator data changes.
 * Fire-and-forget, so a slow or absent receiver never slows a provider response; every attempt is
 * recorded in `deliveries`, and `settled()` lets tests wait for the ones in flight.
 */
export class WebhookEmitter {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private hubspotEventCounter = 0;

  private settings: WebhookSettings;

  constructor(settings: WebhookSettings = {}) {
    this.settings = { ...settings };
  }

  /**
   * Changes where and how later webhooks go (a gateway that learns its own port after the sandbox
   * started). Only the keys present in `settings` change; an explicit `undefined` clears one, so
   * `configure({ url: undefined })` turns webhooks off. Deliveries already in flight keep their target.
   */
  configure(settings: Partial<WebhookSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** The settings now in force (a copy). */
  get current(): Readonly<WebhookSettings> {
    return { ...this.settings };
  }

  get stripeEnabled(): boolean {
    return Boolean(this.settings.url && this.settings.stripeSecret);
  }

  get hubspotEnabled(): boolean {
    return Boolean(this.settings.url && this.settings.hubspotClientSecret);
  }

  emitStripe(input: StripeEventInput): void {
    const { url, stripeSecret } = this.settings;
    if (!url || !stripeSecret) return;
    const id = `evt_Sbx${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const data: Record<string, unknown> = { object: input.object };
    if (input.previousAttributes) data.previous_attributes = input.previousAttributes;
    const event = {
      id,
      object: 'event',
      api_version: STRIPE_EVENT_API_VERSION,
      created: Math.floor(Date.now() / 1000),
      data,
      livemode: false,
      pending_webhooks: 1,
      request: { id: input.requestId, idempotency_key: input.idempotencyKey },
      type: input.type,
    };
    const body = JSON.stringify(event);
    const target = `${url.replace(/\/$/, '')}/webhooks/stripe`;
    this.track(
      this.deliver('stripe', target, [id], [input.type], body, () => ({
        'Content-Type': 'application/json; charset=utf-8',
        'Stripe-Signature': stripeSignatureHeader(stripeSecret, body, Math.floor(Date.now() / 1000)),
      })),
    );
  }

  emitHubSpot(inputs: readonly HubSpotEventInput[]): void {
    const { url, hubspotClientSecret } = this.settings;
    if (!url || !hubspotClientSecret || inputs.length === 0) return;
    const occurredAt = Date.now();
    const events = inputs.map((input) => {
      this.hubspotEventCounter += 1;
      return {
        // Unique across restarts too: the gateway remembers event ids for days to drop replays.
        eventId: occurredAt * 1000 + (this.hubspotEventCounter % 1000),
        subscriptionId: subscriptionIdOf(input.subscriptionType),
        portalId: HUBSPOT_PORTAL_ID,
        appId: HUBSPOT_APP_ID,
        occurredAt,
        subscriptionType: input.subscriptionType,
        attemptNumber: 0,
        objectId: Number(input.objectId),
        changeSource: 'API',
        ...(input.propertyName !== undefined ? { propertyName: input.propertyName } : {}),
        ...(input.propertyValue !== undefined ? { propertyValue: input.propertyValue } : {}),
      };
    });
    const target = `${url.replace(/\/$/, '')}/webhooks/hubspot`;
    const ids = events.map((e) => String(e.eventId));
    const types = [...new Set(events.map((e) => e.subscriptionType))];
    // attemptNumber changes per retry, as HubSpot's does, so the body (and signature) is rebuilt each time.
    const bodyFor = (attempt: number) =>
      JSON.stringify(events.map((e) => ({ ...e, attemptNumber: attempt - 1 })));
    this.track(
      this.deliver('hubspot', target, ids, types, bodyFor, (body) => {
        const timestamp = Date.now();
        return {
          'Content-Type': 'application/json',
          'X-HubSpot-Request-Timestamp': String(timestamp),
          'X-HubSpot-Signature-v3': hubspotSignatureV3(hubspotClientSecret, 'POST', target, body, timestamp),
          'X-HubSpot-Signature-Version': 'v3',
        };
      }),
    );
  }

  /** Resolves once every delivery started so far has finished (including its retries). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async deliver(
    provider: 'stripe' | 'hubspot',
    url: string,
    eventIds: string[],
    types: string[],
    body: string | ((attempt: number) => string),
    headersFor: (body: string) => Record<string, string>,
  ): Promise<void> {
    const retries = this.settings.retries ?? 2;
    let delay = this.settings.retryDelayMs ?? 200;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      const payload = typeof body === 'string' ? body : body(attempt);
      // Signed per attempt: a retry carries a fresh timestamp, so it stays inside the receiver's tolerance.
      const headers = headersFor(payload);
      const record: WebhookDelivery = {
        provider,
        url,
        eventIds,
        types,
        attempt,
        status: null,
        body: payload,
        headers,
      };
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        record.status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      }
      this.deliveries.push(record);
      if (record.status !== null && record.status >= 200 && record.status < 300) return;
      // A 4xx other than 408/429 will not change on retry (bad signature, unknown event).
      if (record.status !== null && record.status < 500 && record.status !== 408 && record.status !== 429)
        return;
      if (attempt <= retries) {
        await sleep(delay);
        delay *= 2;
      }
    }
  }
}

/** One stable subscription id per subscription type, as a HubSpot app has one subscription per type. */
function subscriptionIdOf(type: HubSpotSubscriptionType): number {
  const order: HubSpotSubscriptionType[] = [
    'contact.creation',
    'contact.propertyChange',
    'company.creation',
    'company.propertyChange',
    'deal.creation',
    'deal.propertyChange',
    'contact.deletion',
    'company.deletion',
    'deal.deletion',
  ];
  return 4_100_000 + order.indexOf(type);
}
