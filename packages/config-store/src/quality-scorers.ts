import { parseWith, type Usage, usageSchema, ValidationError } from '@baton/core';
import { z } from 'zod';

/** The kinds of measured signal a run's quality score is made of. */
export const ScorerKind = {
  /** The validate command's exit status (e.g. `--validate "npm test"`). */
  VALIDATE: 'validate',
  /** A workflow's quality gates: the share that passed. */
  GATES: 'gates',
  /** A measured improvement against its target (e.g. coverage before and after a boost). */
  IMPROVEMENT: 'improvement',
  /** A CAPABLE-tier judge model grading the answer against the task with a rubric. */
  JUDGE: 'judge',
  /** A person's rating of the run, 0..100. */
  RATING: 'rating',
  /** People approving or rejecting the run's escalations. */
  ESCALATION: 'escalation',
  /** The confidence the agents reported about themselves: a weak signal, never the only one. */
  CONFIDENCE: 'confidence',
} as const;
/** `"validate" | "gates" | "improvement" | "judge" | "rating" | "escalation" | "confidence"`. */
export type ScorerKind = (typeof ScorerKind)[keyof typeof ScorerKind];
/** Schema of a {@link ScorerKind}. */
export const scorerKindSchema = z.enum(Object.values(ScorerKind) as [ScorerKind, ...ScorerKind[]]);

/**
 * How much each kind of signal weighs in the score by default. A person's rating weighs most, then
 * what was measured by running something (validate command, gates, improvement), then the judge,
 * an opinion of a model. Self-reported confidence weighs least and never counts alone.
 */
export const DEFAULT_SCORER_WEIGHTS: Readonly<Record<ScorerKind, number>> = Object.freeze({
  rating: 4,
  validate: 3,
  gates: 3,
  improvement: 3,
  judge: 2,
  escalation: 2,
  confidence: 0.5,
});

const nonEmptyString = z.string().trim().min(1, 'must be a non-empty string');

/** One scorer's verdict on a run: a named, weighted value 0..100, or null when it measured nothing. */
export const scorerResultSchema = z.object({
  /** Names the scorer in reports, e.g. `validate`, `gates`, `judge`. */
  name: nonEmptyString,
  kind: scorerKindSchema,
  /** The measured value 0..100; null when this scorer could not measure the run (see `detail`). */
  value: z.number().min(0, 'must be >= 0').max(100, 'must be <= 100').nullable(),
  /** Its weight in the run's score, > 0. */
  weight: z.number().positive('must be > 0'),
  /** What was measured, in one line (or why nothing was). */
  detail: nonEmptyString,
  /** Tokens and cost the scorer itself spent (the judge model), when it ran on a model. */
  usage: usageSchema.optional(),
});
/** One scorer's verdict on a run. */
export type ScorerResult = z.output<typeof scorerResultSchema>;

/** A scorer's verdict as it went into the run's score. */
export type CountedScorerResult = ScorerResult & {
  /** Whether it counted: it measured a value, and it was not confidence alone. */
  counted: boolean;
};

/** A run's quality: the weighted mean of its scorers, or null (unknown) when none measured it. */
export interface QualityScore {
  /** 0..100 with one decimal; null when unknown (no scorer measured the run), never 0 for that. */
  score: number | null;
  /** Every scorer given, with its value and weight, in the order given. */
  scorers: CountedScorerResult[];
  /** How the score was made, in one line, e.g. `75 from validate 100 (x3), gates 50 (x3)`. */
  summary: string;
  /** What the scorers themselves spent (the judge), summed; absent when none ran on a model. */
  usage?: Usage | undefined;
}

/** Options every scorer constructor takes. */
export interface ScorerOptions {
  /** Overrides the kind's weight from {@link DEFAULT_SCORER_WEIGHTS}. */
  weight?: number | undefined;
  /** Overrides the name (default: the kind). */
  name?: string | undefined;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const percent = (part: number, whole: number): number => round1((100 * part) / whole);

function result(
  kind: ScorerKind,
  value: number | null,
  detail: string,
  options: ScorerOptions = {},
): ScorerResult {
  return parseWith(
    scorerResultSchema,
    {
      name: options.name ?? kind,
      kind,
      value,
      weight: options.weight ?? DEFAULT_SCORER_WEIGHTS[kind],
      detail,
    },
    { label: 'scorer' },
  );
}

function asList<T>(value: T | readonly T[], field: string): readonly T[] {
  if (Array.isArray(value)) return value as readonly T[];
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError(field, 'must be an object or a list of objects');
  }
  return [value as T];
}

/** What one run of a validate command measured (the CLI executor's `validation` fits). */
export interface ValidateRun {
  /** The shell command, e.g. `npm test`. */
  command: string;
  /** Whether it exited 0 in time. */
  passed: boolean;
  exitCode?: number | null | undefined;
  timedOut?: boolean | undefined;
}

/**
 * The validate command's verdict: 100 when it passed, 0 when it failed; with several runs (one
 * per agent), the share that passed. No run: null (nothing measured).
 *
 * @example
 * ```ts
 * validateScorer({ command: 'npm test', passed: true }); // value 100, weight 3
 * ```
 * @throws ValidationError naming `validate` when a run has no `passed` boolean
 */
export function validateScorer(
  runs: ValidateRun | readonly ValidateRun[],
  options: ScorerOptions = {},
): ScorerResult {
  const list = asList(runs, 'validate');
  list.forEach((run, index) => {
    if (typeof run?.passed !== 'boolean') {
      throw new ValidationError(`validate.${index}.passed`, 'must be a boolean');
    }
  });
  if (list.length === 0) return result('validate', null, 'no validate command ran', options);
  const passed = list.filter((run) => run.passed).length;
  const commands = [...new Set(list.map((run) => `\`${run.command}\``))].join(', ');
  const failed = list.find((run) => !run.passed);
  const why =
    failed === undefined
      ? ''
      : failed.timedOut === true
        ? ' (timed out)'
        : typeof failed.exitCode === 'number'
          ? ` (exit ${failed.exitCode})`
          : '';
  const detail =
    list.length === 1
      ? `${commands} ${passed === 1 ? 'passed' : `failed${why}`}`
      : `${passed} of ${list.length} runs of ${commands} passed`;
  return result('validate', percent(passed, list.length), detail, options);
}

/** One quality gate as a workflow reports it (`QualityGate` of `@baton/workflows` fits). */
export interface GateVerdict {
  name: string;
  passed: boolean;
  critical?: boolean | undefined;
}

/**
 * A workflow's quality gates: the percentage that passed (an unmeasured gate fails, as the
 * workflows report it). No gate: null.
 *
 * @example
 * ```ts
 * gatesScorer(report.qualityGates); // e.g. value 75: "3 of 4 gates passed; failed: Test Coverage (critical)"
 * ```
 */
export function gatesScorer(
  gates: readonly GateVerdict[],
  options: ScorerOptions = {},
): ScorerResult {
  if (!Array.isArray(gates)) throw new ValidationError('gates', 'must be a list of gates');
  gates.forEach((gate, index) => {
    if (typeof gate?.passed !== 'boolean') {
      throw new ValidationError(`gates.${index}.passed`, 'must be a boolean');
    }
  });
  if (gates.length === 0) return result('gates', null, 'no quality gate was checked', options);
  const failed = gates.filter((gate) => !gate.passed);
  const passed = gates.length - failed.length;
  const failedText = failed
    .map((gate) => `${gate.name}${gate.critical === true ? ' (critical)' : ''}`)
    .join(', ');
  return result(
    'gates',
    percent(passed, gates.length),
    `${passed} of ${gates.length} gates passed${failed.length === 0 ? '' : `; failed: ${failedText}`}`,
    options,
  );
}

/** A measured improvement towards a target, e.g. line coverage before and after a boost. */
export interface ImprovementMeasure {
  /** What improved, e.g. `line coverage`. */
  what: string;
  /** The figure before; null when it could not be measured. */
  baseline: number | null;
  /** The figure after; null when it could not be measured. */
  measured: number | null;
  /** The figure aimed for. */
  target: number;
}

/**
 * How far a measured improvement got towards its target: 100 when the target is reached, else
 * (measured - baseline) / (target - baseline) x 100, at least 0. Null when the figure after (or,
 * short of the target, the one before) could not be measured.
 *
 * @example
 * ```ts
 * improvementScorer({ what: 'line coverage', baseline: 60, measured: 75, target: 80 }); // value 75
 * ```
 * @throws ValidationError naming `improvement.target` when it is not a finite number
 */
export function improvementScorer(
  improvement: ImprovementMeasure,
  options: ScorerOptions = {},
): ScorerResult {
  const { what, baseline, measured, target } = improvement ?? ({} as ImprovementMeasure);
  if (typeof target !== 'number' || !Number.isFinite(target)) {
    throw new ValidationError('improvement.target', 'must be a finite number');
  }
  const scorer = (value: number | null, detail: string) =>
    result('improvement', value, detail, { ...options, name: options.name ?? what });
  if (measured === null || measured === undefined) {
    return scorer(null, `${what} after the run could not be measured`);
  }
  if (measured >= target) {
    return scorer(100, `${what} ${baseline ?? 'unknown'} -> ${measured}: target ${target} reached`);
  }
  if (baseline === null || baseline === undefined) {
    return scorer(null, `${what} before the run could not be measured (after: ${measured})`);
  }
  const value =
    target <= baseline
      ? 0
      : Math.max(0, Math.min(100, percent(measured - baseline, target - baseline)));
  return scorer(value, `${what} ${baseline} -> ${measured} of target ${target}`);
}

/** A person's rating of a run (e.g. `baton runs rate <id> --score 80 --note "..."`). */
export interface Rating {
  /** 0..100. */
  score: number;
  /** Why, in the person's words. */
  note?: string | undefined;
  /** Who rated, when known. */
  by?: string | undefined;
}

/**
 * A person's rating: its score as the value. The strongest signal by default.
 *
 * @example
 * ```ts
 * ratingScorer({ score: 80, note: 'good, missed one file' }); // value 80, weight 4
 * ```
 * @throws ValidationError naming `rating.score` unless it is a number 0..100
 */
export function ratingScorer(rating: Rating, options: ScorerOptions = {}): ScorerResult {
  const score = rating?.score;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 100) {
    throw new ValidationError(
      'rating.score',
      `must be a number from 0 to 100 (got ${String(score)})`,
    );
  }
  const by = rating.by === undefined ? '' : ` by ${rating.by}`;
  const note =
    rating.note === undefined || rating.note.trim() === '' ? '' : `: ${rating.note.trim()}`;
  return result('rating', score, `rated ${score}${by}${note}`, options);
}

/** A person's answer to one escalation of the run (a decision the run asked for). */
export interface EscalationVerdict {
  /** Whether the person approved what the run escalated. */
  approved: boolean;
  /** The decision's id, when known. */
  id?: string | undefined;
  note?: string | undefined;
}

/**
 * Approving or rejecting a run's escalations as feedback: the share approved. No decision: null.
 *
 * @example
 * ```ts
 * escalationScorer([{ id: 'd1', approved: true }, { id: 'd2', approved: false }]); // value 50
 * ```
 */
export function escalationScorer(
  decisions: readonly EscalationVerdict[],
  options: ScorerOptions = {},
): ScorerResult {
  if (!Array.isArray(decisions)) throw new ValidationError('decisions', 'must be a list');
  decisions.forEach((decision, index) => {
    if (typeof decision?.approved !== 'boolean') {
      throw new ValidationError(`decisions.${index}.approved`, 'must be a boolean');
    }
  });
  if (decisions.length === 0) {
    return result('escalation', null, 'no escalation was decided', options);
  }
  const approved = decisions.filter((decision) => decision.approved).length;
  return result(
    'escalation',
    percent(approved, decisions.length),
    `${approved} of ${decisions.length} escalations approved`,
    options,
  );
}

/**
 * The confidence the agents reported about themselves, as one weak signal: the average of the
 * reported ones x100. A confidence nobody reported (null or undefined) is left out, never read as
 * 0; none reported: null. {@link scoreQuality} never lets it count alone.
 *
 * @example
 * ```ts
 * confidenceScorer([0.9, null, 0.7]); // value 80: "self-reported by 2 of 3 agents (weak signal)"
 * ```
 */
export function confidenceScorer(
  confidences: readonly (number | null | undefined)[],
  options: ScorerOptions = {},
): ScorerResult {
  if (!Array.isArray(confidences)) throw new ValidationError('confidences', 'must be a list');
  const reported = confidences.filter(
    (value): value is number => typeof value === 'number' && Number.isFinite(value),
  );
  for (const value of reported) {
    if (value < 0 || value > 1) {
      throw new ValidationError('confidences', `must be from 0 to 1 (got ${value})`);
    }
  }
  if (reported.length === 0) {
    return result('confidence', null, 'no agent reported a confidence', options);
  }
  const average = reported.reduce((sum, value) => sum + value, 0) / reported.length;
  return result(
    'confidence',
    round1(average * 100),
    `self-reported by ${reported.length} of ${confidences.length} agents (weak signal)`,
    options,
  );
}

function sumUsage(usages: readonly Usage[]): Usage | undefined {
  if (usages.length === 0) return undefined;
  const total: Usage = {
    inputTokens: usages.reduce((sum, usage) => sum + usage.inputTokens, 0),
    outputTokens: usages.reduce((sum, usage) => sum + usage.outputTokens, 0),
  };
  if (usages.every((usage) => usage.costUsd !== undefined)) {
    total.costUsd =
      Math.round(usages.reduce((sum, usage) => sum + (usage.costUsd ?? 0), 0) * 1e9) / 1e9;
  }
  return total;
}

/**
 * A run's quality score from its scorers: the weighted mean of the values they measured, 0..100
 * with one decimal. Scorers that measured nothing (value null) are listed but do not count.
 * Self-reported confidence counts only next to another measured signal: alone it gives an unknown
 * score. With nothing measured the score is null (unknown), never 0. `undefined` entries are
 * skipped, so optional scorers can be listed inline.
 *
 * @example
 * ```ts
 * const quality = scoreQuality([
 *   validateScorer({ command: 'npm test', passed: true }),
 *   gatesScorer(report.qualityGates),
 *   confidenceScorer(result.outputs.map((output) => output.confidence)),
 * ]);
 * await store.recordOutcome(id, { success, qualityScore: quality.score, costUsd, durationSeconds });
 * ```
 * @throws ValidationError naming `scorers.<index>.<field>` for a malformed scorer result
 */
export function scoreQuality(scorers: readonly (ScorerResult | undefined)[]): QualityScore {
  if (!Array.isArray(scorers)) throw new ValidationError('scorers', 'must be a list');
  const checked = scorers.flatMap((scorer, index) =>
    scorer === undefined
      ? []
      : [parseWith(scorerResultSchema, scorer, { label: `scorers.${index}` })],
  );
  const measured = checked.filter((scorer) => scorer.value !== null);
  const strong = measured.filter((scorer) => scorer.kind !== 'confidence');
  const counts = (scorer: ScorerResult) =>
    scorer.value !== null && (scorer.kind !== 'confidence' || strong.length > 0);
  const counted: CountedScorerResult[] = checked.map((scorer) => ({
    ...scorer,
    counted: counts(scorer),
  }));
  const usage = sumUsage(
    checked.flatMap((scorer) => (scorer.usage === undefined ? [] : [scorer.usage])),
  );
  const withUsage = (quality: Omit<QualityScore, 'usage'>): QualityScore =>
    usage === undefined ? quality : { ...quality, usage };
  if (strong.length === 0) {
    return withUsage({
      score: null,
      scorers: counted,
      summary:
        measured.length === 0
          ? 'quality unknown: no scorer measured the run'
          : 'quality unknown: only the self-reported confidence (a weak signal) was measured',
    });
  }
  const used = counted.filter((scorer) => scorer.counted);
  const weights = used.reduce((sum, scorer) => sum + scorer.weight, 0);
  const score = round1(
    used.reduce((sum, scorer) => sum + scorer.weight * (scorer.value ?? 0), 0) / weights,
  );
  return withUsage({
    score,
    scorers: counted,
    summary: `${score} from ${used.map((scorer) => `${scorer.name} ${scorer.value} (x${scorer.weight})`).join(', ')}`,
  });
}
