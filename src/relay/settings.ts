import { z } from 'zod';
import { MIN_CURSOR_SECRET_LENGTH } from './cursor.js';

/**
 * `CURSOR_SECRET`: one secret, or several separated by commas during a rotation: the first
 * encrypts new cursors, every one of them still opens cursors clients hold.
 */
export const CursorSecretsSchema = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((secrets) => secrets.length > 0, 'expected a secret, or several separated by commas')
  .refine(
    (secrets) => secrets.every((s) => s.length >= MIN_CURSOR_SECRET_LENGTH),
    `each secret must be at least ${MIN_CURSOR_SECRET_LENGTH} characters`,
  );
