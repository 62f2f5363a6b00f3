/**
 * A mutation that wrote to one provider, then failed at the next, and undid the first write
 * (`undone`), or tried to and could not. The client gets one error naming what failed.
 */
export class RolledBackError extends Error {
  readonly code = 'ROLLED_BACK';
  constructor(
    /** What was not made, for the message: e.g. `The customer was not created`. */
    readonly what: string,
    /** The failure of the later write (usually a ProviderError). */
    readonly failure: unknown,
    /** False when the undo failed too: something half-made is left and was logged. */
    readonly undone: boolean,
  ) {
    super(what);
    this.name = 'RolledBackError';
  }
}
