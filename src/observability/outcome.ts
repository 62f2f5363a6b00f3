/** How a GraphQL operation ended: every field answered, some fields null with errors, or nothing. */
export type OperationOutcome = 'ok' | 'partial' | 'error';

/** Operation names are the client's choice: cut to a bounded label, and name the unnamed. */
export const MAX_OPERATION_NAME = 64;

export function operationLabel(name: string | null | undefined): string {
  return name ? name.slice(0, MAX_OPERATION_NAME) : 'anonymous';
}

export function outcomeOf(result: { data?: unknown; errors?: readonly unknown[] }): OperationOutcome {
  if (!result.errors || result.errors.length === 0) return 'ok';
  return result.data === null || result.data === undefined ? 'error' : 'partial';
}
