import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { Reply } from '../../http/route.js';
import { notFound } from '../errors.js';

export const ProjectParams = z.object({
  project_id: z.string().describe('Project id (an integer) or `@current`'),
});

/** A project other than the key's own is one that does not exist for it: PostHog's 404. */
export function checkProject(projectId: string, configured: number): Reply | null {
  if (projectId === '@current' || projectId === String(configured)) return null;
  return notFound('Project not found.');
}

/** The absolute URL of this request with some query parameters replaced (null removes one). */
export function linkTo(
  url: string,
  headers: IncomingHttpHeaders,
  changes: Record<string, string | null>,
): string {
  const absolute = new URL(url, `http://${headers.host ?? '127.0.0.1'}`);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) absolute.searchParams.delete(name);
    else absolute.searchParams.set(name, value);
  }
  return absolute.toString();
}

/** A DRF integer query parameter: text of digits, read as a number. */
export function intParam(description: string) {
  return z
    .string()
    .regex(/^-?\d+$/, 'A valid integer is required.')
    .transform(Number)
    .pipe(z.number().int())
    .describe(description);
}
