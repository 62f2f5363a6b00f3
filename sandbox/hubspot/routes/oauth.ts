import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import type { HubSpotOAuth } from '../oauth.js';

const Form = z
  .record(z.string(), z.unknown())
  .optional()
  .describe('grant_type=refresh_token, client_id, client_secret, refresh_token');

/** The app's token endpoint on the API host (FACTS §2: `POST https://api.hubapi.com/oauth/v1/token`). */
export function oauthRoutes(oauth: HubSpotOAuth): RouteDef[] {
  return [
    route({
      method: 'POST',
      path: '/oauth/v1/token',
      operationId: 'oauthToken',
      summary: "Token endpoint: the refresh-token grant of the sandbox's OAuth app",
      tags: ['OAuth'],
      public: true,
      bodyEncoding: 'form',
      body: Form,
      responses: {
        200: 'Access token (expires_in 1800) with the same refresh token',
        400: 'invalid_grant (BAD_REFRESH_TOKEN), invalid_client, unsupported_grant_type',
      },
      handle: ({ body }) => oauth.grant(body ?? {}),
    }),
  ];
}
