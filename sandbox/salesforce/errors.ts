import type { Reply } from '../http/route.js';

/** One element of Salesforce's REST error array (FACTS §4). */
export interface SalesforceErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
  [extra: string]: unknown;
}

/** Salesforce's non-2xx body: always a JSON array, usually of one error. */
export function sfError(status: number, errorCode: string, message: string, fields?: string[]): Reply {
  const item: SalesforceErrorItem = fields ? { message, errorCode, fields } : { message, errorCode };
  return { status, body: [item] };
}

/** Thrown by request logic (SOQL, writes, ids) and answered as Salesforce's error array. */
export class SalesforceError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SalesforceError';
  }

  item(): SalesforceErrorItem {
    return {
      message: this.message,
      errorCode: this.errorCode,
      ...(this.fields ? { fields: this.fields } : {}),
      ...this.extra,
    };
  }

  reply(): Reply {
    return { status: this.status, body: [this.item()] };
  }
}

/** Runs request logic, answering its SalesforceErrors in Salesforce's words. */
export async function orSalesforceError(produce: () => Reply | Promise<Reply>): Promise<Reply> {
  try {
    return await produce();
  } catch (error) {
    if (error instanceof SalesforceError) return error.reply();
    throw error;
  }
}

export const SESSION_EXPIRED = (): Reply => sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const NOT_FOUND = (): Reply => sfError(404, 'NOT_FOUND', 'The requested resource does not exist');

export const malformedQuery = (message: string): SalesforceError =>
  new SalesforceError(400, 'MALFORMED_QUERY', message);
