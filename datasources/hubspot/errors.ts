import { z } from 'zod';
import { WriteRejectedError } from '../model.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import type { ErrorClassifier } from '../transport/http-client.js';
import { modelFieldOf } from './mapping.js';

// ---- write errors --------------------------------------------------------------------------------

export type WrittenObject = 'contact' | 'deal';

/**
 * HubSpot's refusals the client can fix, as WriteRejectedError; anything else (outages, our own
 * bad requests, credentials) stays the ProviderError it was.
 */
export function writeRejection(error: unknown, what: WrittenObject): unknown {
  if (!(error instanceof ProviderError)) return error;
  if (error.code === ProviderErrorCode.NOT_FOUND) {
    return new WriteRejectedError('NOT_FOUND', `There is no ${what} with this id.`);
  }
  if (error.status === 409 && error.providerCode === 'CONFLICT') {
    // A unique property is taken; for contacts that is the email.
    const field = what === 'contact' ? 'email' : null;
    const message =
      what === 'contact'
        ? 'A contact with this email already exists.'
        : `The ${what} conflicts with another.`;
    return new WriteRejectedError('CONFLICT', message, field, error.details.existingId ?? null);
  }
  if (error.status === 400 && error.providerCode === 'VALIDATION_ERROR') {
    const property = error.details.property;
    const field = property === undefined ? null : modelFieldOf(property);
    const message =
      field === null ? `The CRM refused the ${what}'s values.` : `The CRM refused the value of ${field}.`;
    return new WriteRejectedError('INVALID', message, field);
  }
  return error;
}

export async function rejecting<T>(what: WrittenObject, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeRejection(error, what);
  }
}

/** Path ids are HubSpot's numeric ids; anything else could only ever be a 404 (or another route). */
export function checkId(id: string, what: WrittenObject): void {
  if (!/^\d+$/.test(id)) throw new WriteRejectedError('NOT_FOUND', `There is no ${what} with this id.`);
}

// ---- errors --------------------------------------------------------------------------------------

const ErrorBody = z.object({
  category: z.string().optional(),
  /** The 429 body has no category; it names the limit instead. */
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ in: z.string().optional() })).optional(),
});

/** HubSpot names the contact holding a taken email only in the 409's message text. */
const EXISTING_ID = /Existing ID: (\d+)/;
/** "Property values were not valid: [{…,"name":"email"}]" lists the properties at fault as JSON. */
const PROPERTY_NAME = /"name":"([A-Za-z0-9_]+)"/;

/** The property at fault and the id already holding a unique value, when the body says. */
export function hubspotErrorDetails(body: z.infer<typeof ErrorBody>): Record<string, string> {
  const details: Record<string, string> = {};
  const existingId = body.category === 'CONFLICT' ? EXISTING_ID.exec(body.message ?? '')?.[1] : undefined;
  if (existingId !== undefined) details.existingId = existingId;
  const property =
    body.errors?.find((e) => e.in !== undefined)?.in ?? PROPERTY_NAME.exec(body.message ?? '')?.[1];
  if (property !== undefined) details.property = property;
  return details;
}

const CATEGORY_CODES: Record<string, { code: ProviderErrorCode; retryable: boolean }> = {
  RATE_LIMITS: { code: ProviderErrorCode.RATE_LIMITED, retryable: true },
  OBJECT_NOT_FOUND: { code: ProviderErrorCode.NOT_FOUND, retryable: false },
  INVALID_AUTHENTICATION: { code: ProviderErrorCode.UNAUTHORIZED, retryable: false },
  // An OAuth app's access token past its 30 minutes: the bearer renews it (transport/oauth/bearer.ts).
  EXPIRED_AUTHENTICATION: { code: ProviderErrorCode.UNAUTHORIZED, retryable: false },
  MISSING_SCOPES: { code: ProviderErrorCode.UNAUTHORIZED, retryable: false },
  VALIDATION_ERROR: { code: ProviderErrorCode.REJECTED, retryable: false },
};

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** Reads HubSpot's error body (`category`, or the 429's `errorType`/`policyName`) and rate headers. */
export const classifyHubSpotError: ErrorClassifier = (status, body, headers) => {
  const parsed = ErrorBody.safeParse(body);
  const { category, errorType, policyName } = parsed.success ? parsed.data : {};
  const providerCode = category ?? errorType;
  const rateLimited = status === 429 || category === 'RATE_LIMITS' || errorType === 'RATE_LIMIT';
  if (!rateLimited) {
    const mapped = category === undefined ? undefined : CATEGORY_CODES[category];
    const details = parsed.success ? hubspotErrorDetails(parsed.data) : {};
    return {
      ...mapped,
      ...(providerCode === undefined ? {} : { providerCode }),
      ...(Object.keys(details).length === 0 ? {} : { details }),
    };
  }
  // The daily quota resets at the account's midnight: retrying within this request cannot help.
  const retryable = policyName !== 'DAILY';
  const intervalMs =
    headers['retry-after'] === undefined
      ? positiveInt(headers['x-hubspot-ratelimit-interval-milliseconds'])
      : undefined;
  return {
    code: ProviderErrorCode.RATE_LIMITED,
    retryable,
    ...(intervalMs === undefined ? {} : { retryAfterMs: intervalMs }),
    providerCode: providerCode ?? 'RATE_LIMITS',
  };
};
