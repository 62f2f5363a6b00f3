import type { DatasetSizes } from './dataset.js';

/** Demo size: what `npm start` and the tests use. */
export const DEMO_SIZES: DatasetSizes = {
  contacts: 2_000,
  companies: 300,
  deals: 1_500,
  charges: 20_000,
  events: 200_000,
};

/** Bench size: ten times the demo size. */
export const BENCH_SIZES: DatasetSizes = {
  contacts: 20_000,
  companies: 3_000,
  deals: 15_000,
  charges: 200_000,
  events: 2_000_000,
};

export const NAMED_SIZES = { demo: DEMO_SIZES, bench: BENCH_SIZES } as const;
export type SizeName = keyof typeof NAMED_SIZES;
