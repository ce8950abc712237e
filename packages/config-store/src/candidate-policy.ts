import { BatonError, BatonErrorCode, ValidationError } from '@baton/core';
import { type RandomSource, sampleBeta } from './seeded-random.js';

/**
 * What the policy reads of a candidate composition; an `AgentConfiguration` of the store has
 * all of it (`store.listForTask(taskPattern)` gives a task pattern's candidates).
 */
export interface CandidateRecord {
  id: string;
  usageCount: number;
  successCount: number;
  failureCount: number;
  /** Average measured cost of a run in USD; null while no run's cost was known. */
  avgCostUsd: number | null;
  /** When its last outcome was recorded; null when never used. */
  lastUsed?: Date | null | undefined;
  /** How it was derived and what the plan estimated (candidates registered from a plan have it). */
  variant?:
    | { description: string; estimatedCost: number; estimatedCostUsd: number | null }
    | undefined;
}

/** The parameters of the bandit policy (see {@link chooseCandidate}). */
export interface CandidatePolicy {
  /** The user's bar: the success rate a candidate must keep, 0..1. Default 0.8. */
  minSuccessRate: number;
  /** The fewest runs after which a candidate's measured success rate is held to the bar. Default 5. */
  minRunsForFloor: number;
  /**
   * How sure the floor must be that a candidate is below the bar, 0.5..1 (exclusive): it is left
   * out once the upper bound of its success rate at this one-sided confidence (Wilson score
   * interval) is below the bar. A good team with an unlucky start is not lost for good; a team
   * that is really below the bar is. Default 0.9.
   */
  floorConfidence: number;
  /** A candidate that failed this many runs without one success is dropped early. Default 2. */
  escalateAfterFailures: number;
  /**
   * Weight of the cost penalty: utility = sampled success probability - costWeight x cost
   * relative to the dearest candidate (0..1). 0 ignores cost. Default 0.3.
   */
  costWeight: number;
  /** Pseudo-successes of the Beta prior (1 with `priorFailures` 1: uniform). Default 1. */
  priorSuccesses: number;
  /** Pseudo-failures of the Beta prior. Default 1. */
  priorFailures: number;
}

/** The default parameters of the policy. */
export const DEFAULT_CANDIDATE_POLICY: Readonly<CandidatePolicy> = Object.freeze({
  minSuccessRate: 0.8,
  minRunsForFloor: 5,
  floorConfidence: 0.9,
  escalateAfterFailures: 2,
  costWeight: 0.3,
  priorSuccesses: 1,
  priorFailures: 1,
});

/** Options of {@link chooseCandidate}. */
export interface ChooseCandidateOptions extends Partial<CandidatePolicy> {
  /** Where the samples come from; pass `createSeededRandom(seed)` to replay. Default `Math.random`. */
  random?: RandomSource | undefined;
  /** Run exactly this candidate (e.g. `--composition <id>`); the policy is not consulted. */
  compositionId?: string | undefined;
}

/** Why the policy chose as it did. */
export type CandidateChoiceBasis =
  /** The composition asked for by id. */
  | 'explicit'
  /** The best candidate by its record. */
  | 'reused'
  /** Another candidate than the best, tried for what it may save or gain. */
  | 'explored'
  /** A candidate that has not run yet. */
  | 'untried'
  /** A dearer candidate, because the cheaper one that ran last keeps failing. */
  | 'escalated'
  /** Every candidate is below the bar: the best measured one. */
  | 'below-bar';

/** How the cost penalty was measured. */
export type CostBasis =
  /** USD: measured averages, and plan estimates scaled by how far the measured runs differ from them. */
  | 'usd'
  /** The plans' cost units (CHEAP 1, CAPABLE 3, PREMIUM 10 per agent): some USD cost is unknown. */
  | 'units'
  /** No cost known for every candidate: no penalty. */
  | 'none';

/** One candidate as the policy saw it. */
export interface CandidateAssessment<T extends CandidateRecord = CandidateRecord> {
  candidate: T;
  /** The cost the penalty used (see `costBasis`); null when unknown. */
  cost: number | null;
  /** cost / the dearest candidate's cost, 0..1 (0 without a cost basis). */
  relativeCost: number;
  /** The sampled success probability (Thompson sampling). */
  sample: number;
  /** sample - costWeight x relativeCost. */
  utility: number;
  /** Why the candidate could not be chosen, if it could not. */
  excluded?: string | undefined;
}

/** The policy's choice, and why. */
export interface CandidateChoice<T extends CandidateRecord = CandidateRecord> {
  chosen: T;
  basis: CandidateChoiceBasis;
  /**
   * Why, in a sentence for the audit log and report, e.g. `reused release-v1 (as composed): 9/10
   * successes at $0.021 a run; left out release-v2 (one tier down): 0/2 successes, failed its
   * first 2 runs`.
   */
  reason: string;
  costBasis: CostBasis;
  /** Every candidate as assessed, in the order given. */
  assessments: CandidateAssessment<T>[];
}

const usd = (value: number): string => `$${Number(value.toPrecision(2))}`;

function checkedPolicy(options: ChooseCandidateOptions): CandidatePolicy {
  const policy = { ...DEFAULT_CANDIDATE_POLICY };
  const rules: Record<keyof CandidatePolicy, [(value: number) => boolean, string]> = {
    minSuccessRate: [(value) => value >= 0 && value <= 1, 'must be a number from 0 to 1'],
    minRunsForFloor: [(value) => Number.isInteger(value) && value >= 1, 'must be an integer >= 1'],
    floorConfidence: [(value) => value > 0.5 && value < 1, 'must be a number between 0.5 and 1'],
    escalateAfterFailures: [
      (value) => Number.isInteger(value) && value >= 1,
      'must be an integer >= 1',
    ],
    costWeight: [(value) => value >= 0, 'must be a number >= 0'],
    priorSuccesses: [(value) => value > 0, 'must be a number > 0'],
    priorFailures: [(value) => value > 0, 'must be a number > 0'],
  };
  for (const key of Object.keys(rules) as (keyof CandidatePolicy)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const [valid, message] = rules[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
      throw new ValidationError(key, `${message} (got ${String(value)})`);
    }
    policy[key] = value;
  }
  return policy;
}

function checkedCandidates<T extends CandidateRecord>(candidates: readonly T[]): readonly T[] {
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new ValidationError('candidates', 'must list at least one candidate composition');
  }
  candidates.forEach((candidate, index) => {
    const counts = [candidate?.usageCount, candidate?.successCount, candidate?.failureCount];
    if (typeof candidate?.id !== 'string' || !counts.every(Number.isInteger)) {
      throw new ValidationError(
        `candidates.${index}`,
        'must be a composition record (id, usageCount, successCount, failureCount)',
      );
    }
  });
  return candidates;
}

/** The standard normal distribution function (Abramowitz and Stegun 7.1.26, error < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** The standard score whose one-sided confidence is `confidence` (bisection on {@link normalCdf}). */
function standardScore(confidence: number): number {
  let low = 0;
  let high = 10;
  for (let step = 0; step < 60; step += 1) {
    const middle = (low + high) / 2;
    if (normalCdf(middle) < confidence) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The upper bound of the Wilson score interval of `successes` in `runs` at standard score `z`. */
export function wilsonUpperBound(successes: number, runs: number, z: number): number {
  if (runs === 0) return 1;
  const rate = successes / runs;
  const z2 = z * z;
  const centre = rate + z2 / (2 * runs);
  const spread = z * Math.sqrt((rate * (1 - rate)) / runs + z2 / (4 * runs * runs));
  return Math.min(1, (centre + spread) / (1 + z2 / runs));
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * The cost of each candidate on one basis for all: USD when every candidate has a measured
 * average or a plan estimate (estimates scaled by the median measured/estimated ratio of the
 * candidates that have both, since a plan budgets every agent's full token allowance), else cost
 * units, else none.
 */
function candidateCosts(candidates: readonly CandidateRecord[]): {
  basis: CostBasis;
  costs: (number | null)[];
} {
  const ratios = candidates.flatMap((candidate) => {
    const estimate = candidate.variant?.estimatedCostUsd;
    return candidate.avgCostUsd !== null && typeof estimate === 'number' && estimate > 0
      ? [candidate.avgCostUsd / estimate]
      : [];
  });
  const calibration = ratios.length === 0 ? 1 : median(ratios);
  const dollars = candidates.map((candidate) => {
    if (candidate.avgCostUsd !== null && candidate.avgCostUsd !== undefined) {
      return candidate.avgCostUsd;
    }
    const estimate = candidate.variant?.estimatedCostUsd;
    return typeof estimate === 'number' ? estimate * calibration : null;
  });
  if (dollars.every((cost) => cost !== null)) return { basis: 'usd', costs: dollars };
  const units = candidates.map((candidate) => candidate.variant?.estimatedCost ?? null);
  if (units.every((cost) => cost !== null)) return { basis: 'units', costs: units };
  return { basis: 'none', costs: candidates.map(() => null) };
}

function describeRecord(candidate: CandidateRecord, cost: string): string {
  const name =
    candidate.variant === undefined
      ? candidate.id
      : `${candidate.id} (${candidate.variant.description})`;
  if (candidate.usageCount === 0) return `${name}: not run yet${cost}`;
  return `${name}: ${candidate.successCount}/${candidate.usageCount} successes${cost}`;
}

/**
 * Chooses which candidate composition of a task pattern to run next: Thompson sampling on
 * success with a cost penalty, a floor at the user's bar, and early escalation.
 *
 * 1. **Floor.** A candidate whose measured success rate is below the user's bar
 *    (`minSuccessRate`) once it has enough runs is never chosen. Enough runs: at least
 *    `minRunsForFloor`, and enough that even the optimistic end of its success rate (the upper
 *    bound of the Wilson interval at `floorConfidence`) is below the bar, so 1/5 is out at once
 *    while 4/6 gets more runs to show whether it is really below 80%. A candidate that failed its
 *    first `escalateAfterFailures` runs without a success is left out too: a cheap team that keeps
 *    failing is dropped before the floor could judge it, and the next choice escalates.
 * 2. **Sampling.** For every candidate a success probability is drawn from its Beta posterior,
 *    Beta(priorSuccesses + successes, priorFailures + failures), and its utility is the draw
 *    minus `costWeight` x its cost relative to the dearest candidate (USD where every cost is
 *    measured or estimated, else plan cost units). The eligible candidate with the highest utility
 *    runs. A proven team's draws stay high, so it is reused; an untried or little-tried cheaper
 *    one draws widely, so it is tried now and then, and kept when it succeeds.
 * 3. **Nothing eligible.** The candidate with the best posterior mean runs, and the reason says
 *    that none meets the bar.
 *
 * With `compositionId` the policy is not consulted: that candidate runs. Deterministic for a
 * seeded `random` ({@link createSeededRandom}). Pure: it reads records, it records nothing.
 *
 * @example
 * ```ts
 * const candidates = await store.listForTask('release_prep');
 * const choice = chooseCandidate(candidates, { random: createSeededRandom(runId) });
 * choice.reason; // "reused release-v1 (as composed): 9/10 successes at $0.021 a run; ..."
 * ```
 * @throws ValidationError naming `candidates` or a policy parameter; BatonError
 *   `BATON_NOT_FOUND` when `compositionId` is not among the candidates
 */
export function chooseCandidate<T extends CandidateRecord>(
  candidates: readonly T[],
  options: ChooseCandidateOptions = {},
): CandidateChoice<T> {
  checkedCandidates(candidates);
  const policy = checkedPolicy(options);
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new ValidationError('random', 'must be a function');
  const { basis: costBasis, costs } = candidateCosts(candidates);
  const dearest = Math.max(0, ...costs.map((cost) => cost ?? 0));
  const z = standardScore(policy.floorConfidence);
  const costText = (index: number): string => {
    const candidate = candidates[index]!;
    if (candidate.avgCostUsd !== null && candidate.avgCostUsd !== undefined) {
      return ` at ${usd(candidate.avgCostUsd)} a run`;
    }
    const estimate = candidate.variant?.estimatedCostUsd;
    return typeof estimate === 'number' ? `, estimated ${usd(estimate)}` : ', cost unknown';
  };
  const describe = (index: number) => describeRecord(candidates[index]!, costText(index));

  const assessments: CandidateAssessment<T>[] = candidates.map((candidate, index) => {
    const { successCount: successes, failureCount: failures, usageCount: runs } = candidate;
    const relativeCost = dearest > 0 ? (costs[index] ?? 0) / dearest : 0;
    const sample = sampleBeta(
      policy.priorSuccesses + successes,
      policy.priorFailures + failures,
      random,
    );
    let excluded: string | undefined;
    if (
      runs >= policy.minRunsForFloor &&
      successes / runs < policy.minSuccessRate &&
      wilsonUpperBound(successes, runs, z) < policy.minSuccessRate
    ) {
      excluded = `below the ${Math.round(policy.minSuccessRate * 100)}% bar`;
    } else if (successes === 0 && failures >= policy.escalateAfterFailures) {
      excluded = `failed its first ${failures} runs`;
    }
    return {
      candidate,
      cost: costs[index] ?? null,
      relativeCost,
      sample,
      utility: sample - policy.costWeight * relativeCost,
      ...(excluded === undefined ? {} : { excluded }),
    };
  });
  const choice = (index: number, basis: CandidateChoiceBasis, reason: string) => ({
    chosen: candidates[index]!,
    basis,
    reason,
    costBasis,
    assessments,
  });

  if (options.compositionId !== undefined) {
    const index = candidates.findIndex((candidate) => candidate.id === options.compositionId);
    if (index === -1) {
      throw new BatonError(
        BatonErrorCode.NOT_FOUND,
        `Composition "${options.compositionId}" is not a candidate (candidates: ${candidates.map((candidate) => candidate.id).join(', ')})`,
      );
    }
    return choice(index, 'explicit', `composition ${describe(index)} was asked for`);
  }

  const mean = (index: number): number => {
    const candidate = candidates[index]!;
    return (
      (policy.priorSuccesses + candidate.successCount) /
      (policy.priorSuccesses + policy.priorFailures + candidate.usageCount)
    );
  };
  const byRecord = (left: number, right: number): number =>
    mean(right) - mean(left) ||
    candidates[right]!.usageCount - candidates[left]!.usageCount ||
    (costs[left] ?? 0) - (costs[right] ?? 0) ||
    left - right;
  const indexes = candidates.map((_, index) => index);
  const eligible = indexes.filter((index) => assessments[index]!.excluded === undefined);
  const leftOut = indexes
    .filter((index) => assessments[index]!.excluded !== undefined)
    .map((index) => `${describe(index)}, ${assessments[index]!.excluded}`);
  const leftOutText = leftOut.length === 0 ? '' : `; left out ${leftOut.join('; ')}`;

  if (eligible.length === 0) {
    const [best] = [...indexes].sort(byRecord);
    return choice(
      best!,
      'below-bar',
      `no candidate meets the ${Math.round(policy.minSuccessRate * 100)}% bar: ran the best measured, ${describe(best!)}${leftOutText}`,
    );
  }
  const chosen = eligible.reduce((best, index) =>
    assessments[index]!.utility > assessments[best]!.utility ? index : best,
  );
  const [bestByRecord] = [...eligible].sort(byRecord);
  const lastUsed = (index: number) =>
    candidates[index]!.lastUsed?.getTime() ?? Number.NEGATIVE_INFINITY;
  const escalatedFrom = indexes.find(
    (index) =>
      assessments[index]!.excluded !== undefined &&
      (costs[index] ?? 0) < (costs[chosen] ?? 0) &&
      lastUsed(index) > lastUsed(chosen) &&
      indexes.every((other) => other === index || lastUsed(other) <= lastUsed(index)),
  );
  if (escalatedFrom !== undefined) {
    return choice(
      chosen,
      'escalated',
      `escalated to ${describe(chosen)}: ${describe(escalatedFrom)}, ${assessments[escalatedFrom]!.excluded}${leftOut.length > 1 ? leftOutText : ''}`,
    );
  }
  if (candidates[chosen]!.usageCount === 0) {
    const best = bestByRecord === chosen ? '' : `; best so far ${describe(bestByRecord!)}`;
    return choice(chosen, 'untried', `tried ${describe(chosen)}${best}${leftOutText}`);
  }
  if (chosen === bestByRecord) {
    return choice(chosen, 'reused', `reused ${describe(chosen)}${leftOutText}`);
  }
  return choice(
    chosen,
    'explored',
    `tried ${describe(chosen)}; best so far ${describe(bestByRecord!)}${leftOutText}`,
  );
}
