import { describe, expect, it } from '@jest/globals';
import { isSecretVariable } from '../settings.js';

describe('isSecretVariable', () => {
  it('hides credentials and Redis URLs', () => {
    for (const name of [
      'STRIPE_SECRET_KEY',
      'HUBSPOT_ACCESS_TOKEN',
      'POSTHOG_API_KEY',
      'REDIS_URL',
      'JWT_SECRET',
    ])
      expect({ name, secret: isSecretVariable(name) }).toEqual({ name, secret: true });
  });

  it('shows settings that name a provider field or property', () => {
    for (const name of ['SALESFORCE_WRITE_KEY_FIELD', 'HUBSPOT_WRITE_KEY_PROPERTY', 'PAGE_SIZE_MAX'])
      expect({ name, secret: isSecretVariable(name) }).toEqual({ name, secret: false });
  });
});
