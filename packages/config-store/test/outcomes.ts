import type { Outcome } from '../src/index.js';

/** The outcome writer `worker` records as its `index`-th: 3 successes in 4, varied scores. */
export function outcomeOf(worker: number, index: number): Outcome & { qualityScore: number } {
  return {
    success: (worker + index) % 4 !== 0,
    qualityScore: (worker * 7 + index * 13) % 101,
  };
}
