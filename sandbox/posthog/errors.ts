import type { z } from 'zod';
import { json, type Reply } from '../http/route.js';

/** drf-exceptions-hog's error types, as PostHog answers them. */
export type PostHogErrorType =
  'validation_error' | 'authentication_error' | 'invalid_request' | 'throttled_error' | 'server_error';

export function posthogError(
  status: number,
  type: PostHogErrorType,
  code: string,
  detail: string,
  attr: string | null = null,
  headers?: Record<string, string>,
): Reply {
  return json(status, { type, code, detail, attr }, headers);
}

export function notFound(detail = 'Not found.'): Reply {
  return posthogError(404, 'invalid_request', 'not_found', detail);
}

export function validationError(detail: string, attr: string | null, code = 'invalid_input'): Reply {
  return posthogError(400, 'validation_error', code, detail, attr);
}

/** A zod issue in DRF's words: DRF's code and message for the common cases, the attribute path joined by `__`. */
export function fromZodIssues(issues: z.core.$ZodIssue[]): Reply {
  const issue = issues[0];
  if (!issue) return validationError('Invalid input.', null, 'invalid');
  const attr = issue.path.length > 0 ? issue.path.map(String).join('__') : null;
  if (issue.code === 'too_big') {
    return validationError(
      issue.message.startsWith('Too big')
        ? `Ensure this value is less than or equal to ${String(issue.maximum)}.`
        : issue.message,
      attr,
      'max_value',
    );
  }
  if (issue.code === 'too_small') {
    return validationError(
      issue.message.startsWith('Too small')
        ? `Ensure this value is greater than or equal to ${String(issue.minimum)}.`
        : issue.message,
      attr,
      'min_value',
    );
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return validationError('This field is required.', attr, 'required');
  }
  if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')) {
    return validationError('A valid integer is required.', attr, 'invalid');
  }
  return validationError(issue.message, attr, 'invalid');
}
