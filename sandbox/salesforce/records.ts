import type { KeyedType } from './ids.js';

/**
 * A field value as the twin holds it: datetimes as epoch milliseconds (rendered in Salesforce's
 * `2026-05-20T20:49:32.000+0000` form), dates as `YYYY-MM-DD`, everything else as JSON.
 */
export type FieldValue = string | number | boolean | null;

export interface SfRecord {
  type: KeyedType;
  /** The canonical 18-character id. */
  id: string;
  fields: Record<string, FieldValue>;
  /** When the record went to the Recycle Bin; null while it is live. */
  deletedAt: number | null;
}

/** Salesforce's datetime wire form: milliseconds and a `+0000` offset. */
export function formatDateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

export function formatDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
