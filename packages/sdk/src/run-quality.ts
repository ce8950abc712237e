import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  confidenceScorer,
  escalationScorer,
  type QualityScore,
  type Rating,
  type ScorerResult,
  scoreQuality,
  type ValidateRun,
  validateScorer,
} from '@baton/config-store';
import {
  BatonError,
  BatonErrorCode,
  type Decision,
  type RunResult,
  type TaskGraph,
} from '@baton/core';
import { projectLayout } from '@baton/runtime';

/** What Baton keeps of a run's quality: every scorer with its value, and the ratings given since. */
export interface RunQualityRecord {
  runId: string;
  /** The composition the outcome was recorded on; null when none was (a planner model's graph). */
  compositionId: string | null;
  taskPattern: string | null;
  success: boolean;
  /** The run's quality now: the scorers measured at its end, and a person's rating since. */
  quality: QualityScore;
  /** The quality score the composition holds for this run (null: unknown there). */
  recordedScore: number | null;
  /** Ratings given with `baton runs rate`, oldest first; the last one counts. */
  ratings: Array<Rating & { at: string }>;
  updatedAt: string;
}

/** Where a run's quality record is kept: `.baton/quality/<runId>.json`. */
export function runQualityFile(projectDir: string, runId: string): string {
  return join(projectLayout(projectDir).dir, 'quality', `${runId}.json`);
}

/** A run's quality record, or undefined when none was kept (the run has not finished). */
export async function readRunQuality(
  projectDir: string,
  runId: string,
): Promise<RunQualityRecord | undefined> {
  const file = runQualityFile(projectDir, runId);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as RunQualityRecord;
  } catch (error) {
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `Quality record ${file} is not valid JSON (left untouched)`,
      { cause: error },
    );
  }
}

/** Writes a run's quality record atomically (a temp file renamed over it). */
export async function writeRunQuality(projectDir: string, record: RunQualityRecord): Promise<void> {
  const file = runQualityFile(projectDir, record.runId);
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** A validate command's run as an agent CLI's output holds it (`output.validation`). */
function validationOf(output: unknown): ValidateRun | undefined {
  const validation = field(output, 'validation');
  const command = field(validation, 'command');
  const passed = field(validation, 'passed');
  if (typeof command !== 'string' || typeof passed !== 'boolean') return undefined;
  const exitCode = field(validation, 'exitCode');
  return {
    command,
    passed,
    ...(typeof exitCode === 'number' || exitCode === null ? { exitCode } : {}),
    timedOut: field(validation, 'timedOut') === true,
  };
}

/**
 * The scorers measured at the end of a run: the validate command's result of every agent that
 * ran one (`--validate`), the escalations a person (or an in-process prompt) approved or
 * rejected, and the confidence the agents reported (a weak signal that never counts alone). A
 * judge's verdict, and a person's rating later, are added by the caller. A scorer with nothing
 * to measure is left out, except the confidence, which says when nobody reported one.
 */
export function measuredScorers(options: {
  result: RunResult;
  graph: TaskGraph;
  decisions: readonly Decision[];
}): ScorerResult[] {
  const { result, graph } = options;
  const agentSteps = graph.steps.filter((step) => step.kind === 'agent').map((step) => step.id);
  const outcomes = agentSteps.flatMap((id) => {
    const step = result.steps[id];
    return step?.result === undefined ? [] : [{ status: step.status, result: step.result }];
  });
  const scorers: ScorerResult[] = [];
  const validations = outcomes.flatMap(({ result: stepResult }) => {
    const validation = validationOf(stepResult.output);
    return validation === undefined ? [] : [validation];
  });
  if (validations.length > 0) scorers.push(validateScorer(validations));
  const answered = options.decisions.filter(
    (decision) =>
      decision.runId === result.runId &&
      decision.status !== 'pending' &&
      decision.resolvedBy !== 'deadline',
  );
  if (answered.length > 0) {
    scorers.push(
      escalationScorer(
        answered.map((decision) => ({
          approved: decision.status === 'approved',
          id: decision.id,
          ...(decision.note === undefined ? {} : { note: decision.note }),
        })),
      ),
    );
  }
  if (outcomes.length > 0) {
    scorers.push(
      confidenceScorer(
        outcomes.map(({ status, result: stepResult }) =>
          status === 'succeeded' ? stepResult.confidence : null,
        ),
      ),
    );
  }
  return scorers;
}

/** The scorers of a record with a person's rating in place of an earlier one. */
export function withRating(quality: QualityScore, rating: ScorerResult): QualityScore {
  const kept = quality.scorers
    .filter((scorer) => scorer.kind !== 'rating')
    .map(({ counted: _counted, ...scorer }) => scorer);
  return scoreQuality([...kept, rating]);
}
