import type { Response } from 'express';

/** A GraphQL-shaped error answer for requests refused before they reach GraphQL (401, 413, 429). */
export function sendErrors(
  res: Response,
  status: number,
  message: string,
  extensions: Record<string, string | number>,
): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions }] }));
}
