import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { ProviderError, ProviderErrorCode } from '../../../datasources/transport/errors.js';
import { createFormatError } from '../format-error.js';

describe('a provider whose OAuth refresh failed', () => {
  const logged: unknown[] = [];
  const format = createFormatError({ domainOf: () => 'CRM', logUnexpected: (e) => logged.push(e) });
  const wrap = (error: ProviderError) =>
    new GraphQLError(error.message, { originalError: error, path: ['customers'] });

  it('is PROVIDER_UNAVAILABLE with reason auth, and no token or provider text in the message', () => {
    const error = new ProviderError({
      provider: 'salesforce',
      endpoint: 'POST /services/oauth2/token',
      status: null,
      code: ProviderErrorCode.UNAVAILABLE,
      retryable: false,
      providerCode: 'OAUTH_GRANT_REFUSED',
      details: { reason: 'auth', oauthError: 'invalid_grant' },
    });
    const formatted = format({ message: error.message, path: ['customers'] }, wrap(error));
    expect(formatted).toEqual({
      message: 'The CRM provider is unavailable.',
      path: ['customers'],
      extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'salesforce', retryable: false, reason: 'auth' },
    });
  });

  it('other outages carry no reason', () => {
    const error = new ProviderError({
      provider: 'salesforce',
      endpoint: 'GET /services/data/{version}/query',
      status: 503,
      code: ProviderErrorCode.UNAVAILABLE,
      retryable: true,
    });
    expect(format({ message: error.message }, wrap(error)).extensions).not.toHaveProperty('reason');
  });
});
