import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small OAuth 2.0 provider for token-source tests, over real HTTP: `POST /services/oauth2/token`
 * takes the refresh-token grant (rotating refresh tokens, counting calls, failing on demand) and
 * `GET /resource` takes only the latest access token (401 otherwise, as an expired session).
 */
export interface Grant {
  refreshToken: string;
  clientId: string;
}

export class TokenServer {
  calls = 0;
  /** The only refresh token accepted (rotation: each grant replaces it). */
  validRefresh = 'rt-0';
  rotate = true;
  /** Answers to give before the normal one (status, body). */
  failures: Array<{ status: number; body: unknown }> = [];
  /** Held this long before answering, so concurrent callers overlap. */
  delayMs = 30;
  issued: string[] = [];
  grants: Grant[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/resource')) {
        this.resource(req, res);
        return;
      }
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const form = new URLSearchParams(text);
    this.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const failure = this.failures.shift();
    if (failure) return failure;
    if (form.get('grant_type') !== 'refresh_token' || form.get('client_secret') !== 'secret') {
      return { status: 400, body: { error: 'invalid_client', error_description: 'bad client' } };
    }
    const refreshToken = form.get('refresh_token') ?? '';
    this.grants.push({ refreshToken, clientId: form.get('client_id') ?? '' });
    if (refreshToken !== this.validRefresh) {
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
      };
    }
    const access = `at-${this.issued.length + 1}-secretvalue`;
    this.issued.push(access);
    const body: Record<string, unknown> = {
      access_token: access,
      instance_url: 'https://example.my.salesforce.com',
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    };
    if (this.rotate) {
      this.validRefresh = `rt-${this.issued.length}`;
      body.refresh_token = this.validRefresh;
    }
    return { status: 200, body };
  }

  /** Access tokens issued before this index are refused (as if they expired). */
  expiredBefore = 0;
  resourceCalls = 0;
  refused = 0;

  /** Every token issued so far stops working. */
  expireAll(): void {
    this.expiredBefore = this.issued.length;
  }

  private resource(req: IncomingMessage, res: ServerResponse): void {
    this.resourceCalls += 1;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const index = token === undefined ? -1 : this.issued.indexOf(token);
    if (index < this.expiredBefore || index < 0) {
      this.refused += 1;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true }));
  }

  async stop(): Promise<void> {
    this.server?.close();
    if (this.server) await once(this.server, 'close');
  }
}
