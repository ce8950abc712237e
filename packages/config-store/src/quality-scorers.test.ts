import { ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import {
  confidenceScorer,
  DEFAULT_SCORER_WEIGHTS,
  escalationScorer,
  gatesScorer,
  improvementScorer,
  ratingScorer,
  type ScorerResult,
  scoreQuality,
  validateScorer,
} from './quality-scorers.js';

describe('validateScorer', () => {
  it('is 100 when the command passed and 0 when it failed, naming the command and exit', () => {
    expect(validateScorer({ command: 'npm test', passed: true })).toEqual({
      name: 'validate',
      kind: 'validate',
      value: 100,
      weight: 3,
      detail: '`npm test` passed',
    });
    expect(validateScorer({ command: 'npm test', passed: false, exitCode: 1 })).toMatchObject({
      value: 0,
      detail: '`npm test` failed (exit 1)',
    });
    expect(validateScorer({ command: 'make check', passed: false, timedOut: true }).detail).toBe(
      '`make check` failed (timed out)',
    );
  });

  it('gives the share of passing runs when each agent was validated, and null for none', () => {
    const runs = [true, true, false].map((passed) => ({ command: 'npm test', passed }));
    expect(validateScorer(runs)).toMatchObject({
      value: 66.7,
      detail: '2 of 3 runs of `npm test` passed',
    });
    expect(validateScorer([])).toMatchObject({ value: null, detail: 'no validate command ran' });
  });

  it('names a run without a passed boolean', () => {
    expect(() => validateScorer([{ command: 'x', passed: 'yes' as never }])).toThrow(
      'validate.0.passed: must be a boolean',
    );
  });
});

describe('gatesScorer', () => {
  it('is the percentage of gates that passed, listing the failed ones', () => {
    const gates = [
      { name: 'Test Coverage', passed: false, critical: true },
      { name: 'Security', passed: true },
      { name: 'Code Quality', passed: true },
      { name: 'Documentation', passed: false },
    ];
    expect(gatesScorer(gates)).toMatchObject({
      kind: 'gates',
      value: 50,
      weight: 3,
      detail: '2 of 4 gates passed; failed: Test Coverage (critical), Documentation',
    });
    expect(gatesScorer(gates.slice(1, 3)).value).toBe(100);
    expect(gatesScorer([]).value).toBeNull();
  });
});

describe('improvementScorer', () => {
  it('measures how far the improvement got towards its target', () => {
    const boost = (measured: number | null, baseline: number | null = 60) =>
      improvementScorer({ what: 'line coverage', baseline, measured, target: 80 });
    expect(boost(75)).toMatchObject({
      name: 'line coverage',
      kind: 'improvement',
      value: 75,
      detail: 'line coverage 60 -> 75 of target 80',
    });
    expect(boost(85).value).toBe(100);
    expect(boost(80).value).toBe(100);
    expect(boost(55).value).toBe(0); // worse than before
    expect(boost(85, null)).toMatchObject({ value: 100 }); // target reached: baseline not needed
  });

  it('is null when a figure it needs could not be measured', () => {
    expect(
      improvementScorer({ what: 'line coverage', baseline: 60, measured: null, target: 80 }),
    ).toMatchObject({ value: null, detail: 'line coverage after the run could not be measured' });
    expect(
      improvementScorer({ what: 'line coverage', baseline: null, measured: 70, target: 80 }).value,
    ).toBeNull();
    expect(() =>
      improvementScorer({ what: 'x', baseline: 1, measured: 2, target: Number.NaN }),
    ).toThrow('improvement.target: must be a finite number');
  });
});

describe('ratingScorer and escalationScorer', () => {
  it("takes a person's rating as the strongest signal, with the note", () => {
    expect(ratingScorer({ score: 80, note: ' missed one file ', by: 'ana' })).toEqual({
      name: 'rating',
      kind: 'rating',
      value: 80,
      weight: DEFAULT_SCORER_WEIGHTS.rating,
      detail: 'rated 80 by ana: missed one file',
    });
    for (const score of [-1, 101, Number.NaN, '80']) {
      expect(() => ratingScorer({ score: score as number })).toThrow(ValidationError);
    }
    expect(() => ratingScorer({ score: 120 })).toThrow(
      'rating.score: must be a number from 0 to 100 (got 120)',
    );
  });

  it('counts approved escalations as positive feedback and rejected ones as negative', () => {
    expect(
      escalationScorer([
        { id: 'd1', approved: true },
        { id: 'd2', approved: false },
        { id: 'd3', approved: true },
        { id: 'd4', approved: true },
      ]),
    ).toMatchObject({ value: 75, detail: '3 of 4 escalations approved' });
    expect(escalationScorer([{ approved: false }]).value).toBe(0);
    expect(escalationScorer([]).value).toBeNull();
  });
});

describe('confidenceScorer', () => {
  it('averages only the confidences that were reported, never reading a missing one as 0', () => {
    expect(confidenceScorer([0.9, null, 0.7, undefined])).toMatchObject({
      kind: 'confidence',
      value: 80,
      weight: 0.5,
      detail: 'self-reported by 2 of 4 agents (weak signal)',
    });
    expect(confidenceScorer([null, undefined]).value).toBeNull();
    expect(() => confidenceScorer([1.5])).toThrow('confidences: must be from 0 to 1 (got 1.5)');
  });
});

describe('scoreQuality', () => {
  it('is the weighted mean of the measured signals, each listed with its value and weight', () => {
    const quality = scoreQuality([
      validateScorer({ command: 'npm test', passed: true }), // 100 x3
      gatesScorer([
        { name: 'a', passed: true },
        { name: 'b', passed: false },
      ]), // 50 x3
      ratingScorer({ score: 90 }), // 90 x4
      confidenceScorer([0.6]), // 60 x0.5
    ]);
    expect(quality.score).toBe(Math.round(((300 + 150 + 360 + 30) / 10.5) * 10) / 10); // 80
    expect(
      quality.scorers.map(({ name, value, weight, counted }) => [name, value, weight, counted]),
    ).toEqual([
      ['validate', 100, 3, true],
      ['gates', 50, 3, true],
      ['rating', 90, 4, true],
      ['confidence', 60, 0.5, true],
    ]);
    expect(quality.summary).toBe(
      '80 from validate 100 (x3), gates 50 (x3), rating 90 (x4), confidence 60 (x0.5)',
    );
  });

  it('is unknown (null), not 0, when no scorer measured the run', () => {
    const quality = scoreQuality([
      validateScorer([]),
      confidenceScorer([null]),
      undefined, // an optional scorer that was not set up
    ]);
    expect(quality.score).toBeNull();
    expect(quality.summary).toBe('quality unknown: no scorer measured the run');
    expect(quality.scorers.every((scorer) => !scorer.counted)).toBe(true);
    expect(scoreQuality([]).score).toBeNull();
  });

  it('never lets self-reported confidence be the only signal', () => {
    const quality = scoreQuality([confidenceScorer([0.95, 0.9])]);
    expect(quality.score).toBeNull();
    expect(quality.scorers[0]).toMatchObject({ value: 92.5, counted: false });
    expect(quality.summary).toBe(
      'quality unknown: only the self-reported confidence (a weak signal) was measured',
    );
  });

  it('lists a scorer that measured nothing without counting it', () => {
    const quality = scoreQuality([
      improvementScorer({ what: 'line coverage', baseline: null, measured: null, target: 90 }),
      validateScorer({ command: 'npm test', passed: false }),
    ]);
    expect(quality.score).toBe(0); // measured: the validate command failed
    expect(quality.scorers.map((scorer) => scorer.counted)).toEqual([false, true]);
  });

  it('uses the weights given and sums what the scorers spent', () => {
    const judge: ScorerResult = {
      name: 'judge',
      kind: 'judge',
      value: 40,
      weight: 1,
      detail: 'correctness 40',
      usage: { inputTokens: 900, outputTokens: 120, costUsd: 0.0045 },
    };
    const quality = scoreQuality([
      validateScorer({ command: 't', passed: true }, { weight: 1 }),
      judge,
    ]);
    expect(quality.score).toBe(70);
    expect(quality.usage).toEqual({ inputTokens: 900, outputTokens: 120, costUsd: 0.0045 });
    expect(scoreQuality([validateScorer({ command: 't', passed: true })])).not.toHaveProperty(
      'usage',
    );
  });

  it('names a malformed scorer result by its index and field', () => {
    expect(() =>
      scoreQuality([{ name: 'x', kind: 'gates', value: 130, weight: 1, detail: 'd' }]),
    ).toThrow('scorers.0.value: must be <= 100');
    expect(() => validateScorer({ command: 'x', passed: true }, { weight: 0 })).toThrow(
      'scorer.weight: must be > 0',
    );
  });
});
