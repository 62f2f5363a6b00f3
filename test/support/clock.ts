/**
 * A clock that runs with real time but can be moved forward: a test ages cached entries by
 * moving it rather than sleeping past their freshness (which races a loaded machine's clock).
 */
export class MovableClock {
  private offsetMs = 0;

  readonly now = (): number => Date.now() + this.offsetMs;

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
