import type { Services } from '../graphql/context.js';

/**
 * Headers GraphiQL's header editor starts with: the sandbox's development token (made by
 * src/auth/dev-token.ts), so a developer can run queries at once. Only in sandbox mode, never a
 * credential for live providers; none when there is no development token.
 */
export function devHeaders(services: Pick<Services, 'mode' | 'devToken'>): Record<string, string> {
  if (services.mode !== 'sandbox' || !services.devToken) return {};
  return { Authorization: `Bearer ${services.devToken}` };
}
