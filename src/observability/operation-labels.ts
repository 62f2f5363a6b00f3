import { Kind, parse } from 'graphql';
import { operationLabel } from './outcome.js';

/** Distinct operation names given their own metrics label; a label is a series per outcome and bucket. */
export const DEFAULT_OPERATION_LABELS = 100;
/** The label every operation name past the bound shares. */
export const OTHER_OPERATION = 'other';

/**
 * Operation names are the client's choice, and each distinct one is a new time series: unbounded,
 * a client with any token can grow /metrics (and Prometheus) without limit. The names of the
 * trusted-documents manifest always get their own label; of the rest, the first `max` seen do,
 * and every later one is counted as `other`.
 */
export class OperationLabels {
  private readonly trusted = new Set<string>();
  private readonly admitted = new Set<string>();

  constructor(readonly max: number) {}

  /** Names the operator's own documents use (the manifest): labelled whatever came first. */
  trust(names: Iterable<string>): void {
    for (const name of names) this.trusted.add(operationLabel(name));
  }

  of(name: string | null | undefined): string {
    const label = operationLabel(name);
    if (this.trusted.has(label) || this.admitted.has(label)) return label;
    if (this.admitted.size < this.max) {
      this.admitted.add(label);
      return label;
    }
    return OTHER_OPERATION;
  }
}

/** The operation names the given documents declare (documents that do not parse are skipped). */
export function operationNamesIn(documents: Iterable<string>): string[] {
  const names: string[] = [];
  for (const text of documents) {
    try {
      for (const definition of parse(text).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name)
          names.push(definition.name.value);
      }
    } catch {
      // The manifest was checked at load; a document graphql cannot parse simply names nothing.
    }
  }
  return names;
}
