/** Where the undo of a half-made write stands: done, still running (retried until done), or refused for good. */
export type UndoState = 'undone' | 'pending' | 'failed';

/**
 * A mutation that wrote to one provider, then failed at the next, and undid the first write, or is
 * still undoing it, or could not. The client gets one error naming what failed.
 */
export class RolledBackError extends Error {
  readonly code = 'ROLLED_BACK';
  constructor(
    /** What was not made, for the message: e.g. `The customer was not created`. */
    readonly what: string,
    /** The failure of the later write (usually a ProviderError). */
    readonly failure: unknown,
    readonly state: UndoState,
  ) {
    super(what);
    this.name = 'RolledBackError';
  }

  /** True once nothing half-made is left. */
  get undone(): boolean {
    return this.state === 'undone';
  }
}
