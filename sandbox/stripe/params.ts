import { z } from 'zod';
import type { Reply } from '../http/route.js';
import { invalidRequest } from './errors.js';

/**
 * Zod pieces for Stripe's form-style parameters (everything arrives as a string) and the
 * translation of zod issues into Stripe's first-error-wins 400 bodies.
 */

type Issue = z.core.$ZodIssue;

function customIssue(message: string, input: unknown, stripeCode: string): z.core.$ZodRawIssue {
  return { code: 'custom', message, input, params: { stripeCode } };
}

/** An integer sent as a string, with Stripe's words for a bad one. */
export function intParam(range: { min?: number; max?: number } = {}) {
  // Stripe takes integers as form strings; the pattern tells OpenAPI readers what fits.
  const digits = z.string().meta({ pattern: '^-?[0-9]+$' });
  return digits.transform((raw, ctx) => {
    if (!/^-?\d+$/.test(raw.trim())) {
      ctx.issues.push(customIssue(`Invalid integer: ${raw}`, raw, 'parameter_invalid_integer'));
      return z.NEVER;
    }
    const value = Number(raw);
    if (range.min !== undefined && value < range.min) {
      ctx.issues.push(
        customIssue(
          `This value must be greater than or equal to ${range.min}.`,
          raw,
          'parameter_invalid_integer',
        ),
      );
      return z.NEVER;
    }
    if (range.max !== undefined && value > range.max) {
      ctx.issues.push(
        customIssue(
          `This value must be less than or equal to ${range.max}.`,
          raw,
          'parameter_invalid_integer',
        ),
      );
      return z.NEVER;
    }
    return value;
  });
}

export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** `created=123` or `created[gte]=123&created[lt]=456`; an exact value becomes gte+lte. */
export function rangeParam() {
  const bound = intParam().optional();
  return z.union([
    intParam().transform((value): Range => ({ gte: value, lte: value })),
    z.object({ gt: bound, gte: bound, lt: bound, lte: bound }).strict(),
  ]);
}

export function inRange(value: number, range: Range | undefined): boolean {
  if (!range) return true;
  if (range.gt !== undefined && !(value > range.gt)) return false;
  if (range.gte !== undefined && !(value >= range.gte)) return false;
  if (range.lt !== undefined && !(value < range.lt)) return false;
  if (range.lte !== undefined && !(value <= range.lte)) return false;
  return true;
}

export const expandParam = z
  .array(z.string())
  .max(100)
  .optional()
  .describe('Fields to expand (expand[]=customer)');

/** The parameters every list endpoint takes. */
export const listParams = {
  limit: intParam({ min: 1, max: 100 }).optional().describe('Page size, 1 to 100 (default 10)'),
  starting_after: z.string().optional().describe('Cursor: id of the last object of the previous page'),
  ending_before: z.string().optional().describe('Cursor: id of the first object of the next page back'),
  expand: expandParam,
};

/** Stripe string maps: `metadata[key]=value`; an empty value removes the key on update. */
export const metadataParam = z
  .record(z.string(), z.string().max(500))
  .optional()
  .describe('Key-value pairs (metadata[key]=value); an empty value removes a key');

/** `created[gte]` style names, as Stripe writes a nested parameter. */
export function paramName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? '') + rest.map((p) => `[${p}]`).join('');
}

/** Zod reports a union's branches separately; keep the branch that got past the type check. */
function unwrap(issue: Issue): Issue {
  if (issue.code !== 'invalid_union') return issue;
  const branches = issue.errors.filter(
    (b) => !b.every((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  const first = (branches[0] ?? issue.errors[0])?.[0];
  if (!first) return issue;
  return unwrap({ ...first, path: [...issue.path, ...first.path] } as Issue);
}

function replyFor(issue: Issue): Reply {
  const param = paramName(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const unknown = paramName([...issue.path, issue.keys[0] ?? '']);
      return invalidRequest(`Received unknown parameter: ${unknown}`, unknown, 'parameter_unknown');
    }
    case 'invalid_type':
      if (issue.message.endsWith('received undefined')) {
        return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
      }
      return invalidRequest(
        `Invalid ${issue.expected === 'array' ? 'array' : issue.expected}: ${param}`,
        param,
      );
    case 'invalid_value':
      return invalidRequest(
        `Invalid ${param}: must be one of ${issue.values.map(String).join(', ')}`,
        param,
        'parameter_invalid_string',
      );
    case 'too_big':
      return invalidRequest(
        `Invalid ${param}: must be at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : 'characters'}`,
        param,
        issue.origin === 'array' ? 'parameter_invalid_array' : 'parameter_invalid_string_too_long',
      );
    case 'custom': {
      const code = (issue.params as { stripeCode?: string } | undefined)?.stripeCode;
      return invalidRequest(issue.message, param, code);
    }
    default:
      return invalidRequest(`Invalid ${param}: ${issue.message}`, param);
  }
}

/** The first problem, as Stripe reports one at a time; unknown parameters are checked first. */
export function validationReply(issues: readonly Issue[]): Reply {
  const flat = issues.map(unwrap);
  const first = flat.find((i) => i.code === 'unrecognized_keys') ?? flat[0];
  return first ? replyFor(first) : invalidRequest('Invalid request.');
}
