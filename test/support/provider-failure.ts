import { ProviderError } from '../../datasources/transport/errors.js';

/** The ProviderError a call fails with; anything else (or success) fails the test. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}
