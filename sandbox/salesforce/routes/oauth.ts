import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { instanceUrlOf, type TwinState } from './common.js';

const Form = z
  .record(z.string(), z.unknown())
  .optional()
  .describe('grant_type, client_id, client_secret, refresh_token | username, password');

/** The OAuth 2.0 endpoints on the login host (the twin serves login and instance from one address). */
export function oauthRoutes(twin: TwinState): RouteDef[] {
  const token = route({
    method: 'POST',
    path: '/services/oauth2/token',
    operationId: 'oauthToken',
    summary: 'Token endpoint: refresh_token, client_credentials and password grants',
    tags: ['OAuth'],
    public: true,
    bodyEncoding: 'form',
    body: Form,
    responses: {
      200: 'Access token with instance_url',
      400: 'invalid_grant, invalid_client_id, invalid_client, unsupported_grant_type',
    },
    handle: ({ body, headers }) => twin.oauth.grant(body ?? {}, instanceUrlOf(headers)),
  });
  const revoke = route({
    method: 'POST',
    path: '/services/oauth2/revoke',
    operationId: 'oauthRevoke',
    summary: 'Revokes an access token, or a refresh token with its sessions',
    tags: ['OAuth'],
    public: true,
    bodyEncoding: 'form',
    body: Form,
    responses: { 200: 'Revoked', 400: 'invalid_token' },
    handle: ({ body }) => {
      const value = body?.token;
      return twin.oauth.revoke(typeof value === 'string' ? value : undefined);
    },
  });
  return [token, revoke];
}
