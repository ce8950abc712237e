import { BatonError, BatonErrorCode, ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { makeAgent } from '../test/fixtures.js';
import { AgentConfiguration } from './agent-configuration.js';
import {
  type CandidateRecord,
  chooseCandidate,
  DEFAULT_CANDIDATE_POLICY,
  wilsonUpperBound,
} from './candidate-policy.js';
import { createSeededRandom } from './seeded-random.js';

/** A candidate with a record: `successes` of `runs`, each at `costUsd` (null: unknown). */
function candidate(
  id: string,
  description: string,
  record: {
    successes?: number;
    runs?: number;
    costUsd?: number | null;
    estimatedCostUsd?: number | null;
    units?: number;
    lastUsed?: string;
  },
): CandidateRecord {
  const runs = record.runs ?? 0;
  const successes = record.successes ?? 0;
  return {
    id,
    usageCount: runs,
    successCount: successes,
    failureCount: runs - successes,
    avgCostUsd: runs === 0 || record.costUsd === undefined ? null : record.costUsd,
    lastUsed: record.lastUsed === undefined ? null : new Date(record.lastUsed),
    variant: {
      description,
      estimatedCost: record.units ?? 3,
      estimatedCostUsd: record.estimatedCostUsd === undefined ? 0.2 : record.estimatedCostUsd,
    },
  };
}

const seeded = (seed: number | string) => createSeededRandom(seed);

describe('chooseCandidate', () => {
  it('reuses what works and says so with its record and cost', () => {
    const candidates = [
      candidate('release-v1', 'as composed', { successes: 9, runs: 10, costUsd: 0.021 }),
      candidate('release-v2', 'one tier up', { successes: 4, runs: 5, costUsd: 0.09 }),
    ];
    const choice = chooseCandidate(candidates, { random: seeded(1) });
    expect(choice).toMatchObject({ basis: 'reused', costBasis: 'usd' });
    expect(choice.chosen.id).toBe('release-v1');
    expect(choice.reason).toBe('reused release-v1 (as composed): 9/10 successes at $0.021 a run');
    expect(choice.assessments.map((assessment) => assessment.relativeCost)).toEqual([
      0.021 / 0.09,
      1,
    ]);
  });

  it('is deterministic: the same seed gives the same choice and the same samples', () => {
    const candidates = [
      candidate('a', 'as composed', { successes: 3, runs: 4, costUsd: 0.05 }),
      candidate('b', 'one tier down', { successes: 2, runs: 3, costUsd: 0.01 }),
      candidate('c', 'debate instead of parallel', { estimatedCostUsd: 0.4 }),
    ];
    const first = chooseCandidate(candidates, { random: seeded('run-7') });
    const again = chooseCandidate(candidates, { random: seeded('run-7') });
    expect(again).toEqual(first);
    const choices = Array.from(
      { length: 40 },
      (_, seed) => chooseCandidate(candidates, { random: seeded(seed) }).chosen.id,
    );
    // Every candidate gets a turn across seeds: exploration is real, not a constant.
    expect(new Set(choices)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('tries a cheaper untried candidate now and then, and names the best so far', () => {
    const candidates = [
      candidate('team', 'as composed', { successes: 9, runs: 10, costUsd: 0.02 }),
      candidate('team-down', 'one tier down', { estimatedCostUsd: 0.05 }),
      candidate('team-up', 'one tier up', { estimatedCostUsd: 0.6 }),
    ];
    const choices = Array.from({ length: 200 }, (_, seed) =>
      chooseCandidate(candidates, { random: seeded(seed) }),
    );
    const tried = choices.filter((choice) => choice.chosen.id === 'team-down');
    expect(tried.length).toBeGreaterThan(10);
    expect(tried.length).toBeLessThan(120);
    expect(choices.filter((choice) => choice.chosen.id === 'team').length).toBeGreaterThan(
      tried.length,
    );
    expect(tried[0]).toMatchObject({ basis: 'untried' });
    // The estimate is scaled by how far team's measured runs were below its own estimate.
    expect(tried[0]?.reason).toBe(
      'tried team-down (one tier down): not run yet, estimated $0.05; best so far team (as composed): 9/10 successes at $0.02 a run',
    );
  });

  it('never picks a candidate below the bar once it has enough runs, and says it left it out', () => {
    const cheap = candidate('cheap', 'one tier down', { successes: 2, runs: 6, costUsd: 0.001 });
    const good = candidate('good', 'as composed', { successes: 4, runs: 5, costUsd: 0.2 });
    for (let seed = 0; seed < 100; seed += 1) {
      // Even a cost weight that makes the cheap one irresistible does not bring it back.
      expect(
        chooseCandidate([cheap, good], { random: seeded(seed), costWeight: 5 }).chosen.id,
      ).toBe('good');
    }
    const choice = chooseCandidate([cheap, good], { random: seeded(3) });
    expect(choice.reason).toBe(
      'reused good (as composed): 4/5 successes at $0.2 a run; left out cheap (one tier down): 2/6 successes at $0.001 a run, below the 80% bar',
    );
    const excluded = (record: { successes: number; runs: number }) =>
      chooseCandidate([candidate('x', 'as composed', record), good], { random: seeded(3) })
        .assessments[0]?.excluded;
    // Fewer runs than the floor needs: still eligible.
    expect(excluded({ successes: 2, runs: 4 })).toBeUndefined();
    // Enough runs is also enough evidence: an unlucky start (4/6) gets more runs, a clear miss does not.
    expect(excluded({ successes: 4, runs: 6 })).toBeUndefined();
    expect(excluded({ successes: 1, runs: 5 })).toBe('below the 80% bar');
    expect(excluded({ successes: 14, runs: 24 })).toBe('below the 80% bar');
    expect(wilsonUpperBound(4, 6, 1.2816)).toBeGreaterThan(0.8);
    expect(wilsonUpperBound(14, 24, 1.2816)).toBeLessThan(0.8);
    // The user's bar is the user's: at 30% the cheap one may run again.
    expect(
      chooseCandidate([cheap, good], { random: seeded(3), minSuccessRate: 0.3 }).assessments[0]
        ?.excluded,
    ).toBeUndefined();
  });

  it('escalates when the cheap candidate that ran last keeps failing', () => {
    const cheap = candidate('cheap', 'as composed', {
      successes: 0,
      runs: 2,
      costUsd: 0.01,
      lastUsed: '2026-01-02T00:00:00Z',
    });
    const up = candidate('up', 'one tier up', { estimatedCostUsd: 0.3 });
    const choice = chooseCandidate([cheap, up], { random: seeded(11) });
    expect(choice).toMatchObject({ basis: 'escalated' });
    expect(choice.chosen.id).toBe('up');
    expect(choice.reason).toBe(
      'escalated to up (one tier up): not run yet, estimated $0.3: cheap (as composed): 0/2 successes at $0.01 a run, failed its first 2 runs',
    );
    // Once the dearer one has run, it is simply reused; the cheap one stays left out.
    const ran = {
      ...up,
      usageCount: 1,
      successCount: 1,
      avgCostUsd: 0.04,
      lastUsed: new Date('2026-01-03T00:00:00Z'),
    };
    expect(chooseCandidate([cheap, ran], { random: seeded(11) }).basis).toBe('reused');
  });

  it('runs the best measured candidate when none meets the bar, and says so', () => {
    const candidates = [
      candidate('a', 'as composed', { successes: 2, runs: 6, costUsd: 0.01 }),
      candidate('b', 'one tier up', { successes: 3, runs: 6, costUsd: 0.05 }),
    ];
    const choice = chooseCandidate(candidates, { random: seeded(5) });
    expect(choice.basis).toBe('below-bar');
    expect(choice.chosen.id).toBe('b');
    expect(choice.reason).toMatch(
      /^no candidate meets the 80% bar: ran the best measured, b \(one tier up\): 3\/6 successes/,
    );
  });

  it('runs an explicit composition without consulting the policy', () => {
    const candidates = [
      candidate('a', 'as composed', { successes: 9, runs: 9, costUsd: 0.01 }),
      candidate('b', 'one tier up', { successes: 0, runs: 6, costUsd: 0.05 }),
    ];
    const choice = chooseCandidate(candidates, { compositionId: 'b', random: seeded(1) });
    expect(choice).toMatchObject({
      basis: 'explicit',
      reason: 'composition b (one tier up): 0/6 successes at $0.05 a run was asked for',
    });
    expect(choice.chosen.id).toBe('b');
    let error: unknown;
    try {
      chooseCandidate(candidates, { compositionId: 'zzz' });
    } catch (thrown) {
      error = thrown;
    }
    expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.NOT_FOUND);
    expect((error as Error).message).toBe(
      'Composition "zzz" is not a candidate (candidates: a, b)',
    );
  });

  it('falls back to plan cost units, then to no cost penalty, when USD costs are unknown', () => {
    const units = [
      candidate('a', 'as composed', { estimatedCostUsd: null, units: 10 }),
      candidate('b', 'one tier down', { estimatedCostUsd: null, units: 3 }),
    ];
    const byUnits = chooseCandidate(units, { random: seeded(2) });
    expect(byUnits.costBasis).toBe('units');
    expect(byUnits.assessments.map((assessment) => assessment.relativeCost)).toEqual([1, 0.3]);
    expect(byUnits.reason).toContain('cost unknown');
    const bare: CandidateRecord = {
      id: 'x',
      usageCount: 0,
      successCount: 0,
      failureCount: 0,
      avgCostUsd: null,
    };
    const none = chooseCandidate([bare], { random: seeded(2) });
    expect(none).toMatchObject({
      costBasis: 'none',
      basis: 'untried',
      reason: 'tried x: not run yet, cost unknown',
    });
  });

  it('reads the store’s own records', () => {
    const config = new AgentConfiguration({
      id: 'stored',
      taskPattern: 'release_prep',
      agents: [makeAgent()],
      strategy: 'parallel',
      variant: {
        kind: 'composed',
        description: 'as composed',
        estimatedCost: 3,
        estimatedCostUsd: 0.18,
      },
    });
    config.recordOutcome(true, 90, { costUsd: 0.03 });
    const choice = chooseCandidate([config], { random: seeded(1) });
    expect(choice.chosen).toBe(config);
    expect(choice.reason).toBe('reused stored (as composed): 1/1 successes at $0.03 a run');
  });

  it('names bad input', () => {
    const one = [candidate('a', 'as composed', {})];
    expect(() => chooseCandidate([])).toThrow(
      'candidates: must list at least one candidate composition',
    );
    expect(() => chooseCandidate([{ id: 'a' } as never])).toThrow(ValidationError);
    expect(() => chooseCandidate(one, { minSuccessRate: 1.2 })).toThrow(
      'minSuccessRate: must be a number from 0 to 1 (got 1.2)',
    );
    expect(() => chooseCandidate(one, { minRunsForFloor: 0 })).toThrow(
      'minRunsForFloor: must be an integer >= 1',
    );
    expect(() => chooseCandidate(one, { costWeight: -1 })).toThrow(
      'costWeight: must be a number >= 0',
    );
    expect(() => chooseCandidate(one, { random: 3 as never })).toThrow(
      'random: must be a function',
    );
    expect(DEFAULT_CANDIDATE_POLICY).toEqual({
      minSuccessRate: 0.8,
      minRunsForFloor: 5,
      floorConfidence: 0.9,
      escalateAfterFailures: 2,
      costWeight: 0.3,
      priorSuccesses: 1,
      priorFailures: 1,
    });
  });
});

describe('chooseCandidate over many runs (seeded simulation, not a benchmark)', () => {
  /** Three teams whose runs succeed with a fixed probability, drawn from a seeded source. */
  const TEAMS = [
    { id: 'cheap', description: 'one tier down', p: 0.45, costUsd: 0.01, estimatedCostUsd: 0.03 },
    { id: 'capable', description: 'as composed', p: 0.93, costUsd: 0.03, estimatedCostUsd: 0.09 },
    { id: 'premium', description: 'one tier up', p: 0.96, costUsd: 0.12, estimatedCostUsd: 0.36 },
  ];

  function simulate(seed: number, runs: number) {
    const policyRandom = createSeededRandom(`policy-${seed}`);
    const world = createSeededRandom(`world-${seed}`);
    const records = TEAMS.map((team) => ({
      ...team,
      usageCount: 0,
      successCount: 0,
      failureCount: 0,
      cost: 0,
      lastUsed: 0,
    }));
    const picks: string[] = [];
    const bases: string[] = [];
    let successes = 0;
    let cost = 0;
    for (let run = 1; run <= runs; run += 1) {
      const candidates: CandidateRecord[] = records.map((record) => ({
        id: record.id,
        usageCount: record.usageCount,
        successCount: record.successCount,
        failureCount: record.failureCount,
        avgCostUsd: record.usageCount === 0 ? null : record.cost / record.usageCount,
        lastUsed: record.lastUsed === 0 ? null : new Date(record.lastUsed),
        variant: {
          description: record.description,
          estimatedCost: 1,
          estimatedCostUsd: record.estimatedCostUsd,
        },
      }));
      const choice = chooseCandidate(candidates, { random: policyRandom });
      const record = records.find((item) => item.id === choice.chosen.id)!;
      const success = world() < record.p;
      record.usageCount += 1;
      record.lastUsed = run;
      record.cost += record.costUsd;
      if (success) record.successCount += 1;
      else record.failureCount += 1;
      successes += success ? 1 : 0;
      cost += record.costUsd;
      picks.push(record.id);
      bases.push(choice.basis);
    }
    return { picks, bases, successes, cost };
  }

  it('settles on the cheapest team that meets the bar, and the same seed replays the same runs', () => {
    const result = simulate(1, 150);
    expect(simulate(1, 150)).toEqual(result);
    const lastHundred = result.picks.slice(50);
    expect(lastHundred.filter((id) => id === 'capable').length).toBeGreaterThan(80);
    // The cheap team was tried, then dropped once it fell below the bar.
    expect(result.picks.slice(0, 50)).toContain('cheap');
    expect(lastHundred.filter((id) => id === 'cheap').length).toBeLessThan(5);
    expect(result.successes / 150).toBeGreaterThan(0.85);
    // Far cheaper than always running the premium team.
    expect(result.cost).toBeLessThan(0.6 * 150 * 0.12);
  });

  it('holds across seeds: success near the capable team, a fraction of the premium cost', () => {
    for (const seed of [2, 3, 4, 5]) {
      const result = simulate(seed, 120);
      expect(result.successes / 120, `seed ${seed}`).toBeGreaterThan(0.82);
      expect(result.cost, `seed ${seed}`).toBeLessThan(0.6 * 120 * 0.12);
      expect(result.bases).toContain('reused');
    }
  });
});
