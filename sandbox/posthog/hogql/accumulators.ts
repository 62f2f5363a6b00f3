import type { AggSlot } from './compile.js';
import { compareValues, truthy, type Value } from './source.js';

/** One aggregate's running state for one group. */
export interface Accumulator {
  add(value: Value): void;
  result(): Value;
}

class Count implements Accumulator {
  private n = 0;
  constructor(private readonly countsNulls: boolean) {}
  add(value: Value): void {
    if (this.countsNulls || value !== null) this.n++;
  }
  result(): Value {
    return this.n;
  }
}

class CountDistinct implements Accumulator {
  private readonly seen = new Set<Value>();
  add(value: Value): void {
    if (value !== null) this.seen.add(value);
  }
  result(): Value {
    return this.seen.size;
  }
}

class CountIf implements Accumulator {
  private n = 0;
  add(value: Value): void {
    if (truthy(value)) this.n++;
  }
  result(): Value {
    return this.n;
  }
}

class Sum implements Accumulator {
  protected total = 0;
  protected n = 0;
  add(value: Value): void {
    if (value === null) return;
    this.total += Number(value);
    this.n++;
  }
  result(): Value {
    return this.total;
  }
}

class Avg extends Sum {
  override result(): Value {
    return this.n === 0 ? null : this.total / this.n;
  }
}

class Extreme implements Accumulator {
  private best: Value = null;
  constructor(private readonly sign: 1 | -1) {}
  add(value: Value): void {
    if (value === null) return;
    if (this.best === null || compareValues(value, this.best) * this.sign > 0) this.best = value;
  }
  result(): Value {
    return this.best;
  }
}

export function createAccumulator(slot: AggSlot): Accumulator {
  switch (slot.kind) {
    case 'count':
      return new Count(slot.arg === null);
    case 'countDistinct':
      return new CountDistinct();
    case 'countIf':
      return new CountIf();
    case 'sum':
      return new Sum();
    case 'avg':
      return new Avg();
    case 'min':
      return new Extreme(-1);
    case 'max':
      return new Extreme(1);
  }
}
