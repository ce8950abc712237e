import {
  type AgentResult,
  CompositionPattern,
  type ExecutableAgent,
  type StrategyResult,
  ValidationError,
} from '@baton/core';
import {
  ExecutionStrategy,
  errorsOf,
  type StrategyOptions,
  type StrategyRun,
  sumDurations,
} from './execution-strategy.js';

/** The junior's confidence needed for its answer to stand, unless configured. */
export const DEFAULT_QUALITY_THRESHOLD = 0.7;

/** Options of {@link TeachingStrategy}. */
export interface TeachingStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /** Minimum junior confidence (0..1) for the junior's answer to stand. Default 0.7. */
  qualityThreshold?: number | undefined;
}

/**
 * Teaching composition (junior → expert). Exactly two agents, `[junior, expert]`. The junior runs
 * first (phase `junior`); when it succeeds with confidence >= `qualityThreshold` its answer stands
 * (outcome `junior_success`). Otherwise the expert runs (phase `expert-takeover`) with the junior's
 * output in its context as `juniorAttempt` (outcome `expert_takeover`). A junior that reports no
 * confidence counts as confidence 0, so the expert takes over.
 *
 * `aggregatedOutput` is `{ outcome, juniorOutput, expertOutput? }` (`expertOutput` only after a
 * takeover). `success` is the success of the agent whose answer stands: the junior's, or after a
 * takeover the expert's (a junior failure is still listed in `errors`). `totalDuration` is the sum
 * of both agents' durations.
 *
 * @example
 * ```ts
 * const teaching = new TeachingStrategy({ executor, qualityThreshold: 0.8 });
 * const result = await teaching.execute([juniorWriter, expertWriter], { topic: 'API docs' });
 * if (result.aggregatedOutput.outcome === 'expert_takeover') console.log('the expert stepped in');
 * ```
 */
export class TeachingStrategy<
  TAgent extends ExecutableAgent = ExecutableAgent,
> extends ExecutionStrategy<TAgent> {
  readonly name = CompositionPattern.TEACHING;
  /** Minimum junior confidence for its answer to stand. */
  readonly qualityThreshold: number;

  constructor(options: TeachingStrategyOptions<TAgent>) {
    super(options);
    this.qualityThreshold = validateUnitInterval(
      options.qualityThreshold ?? DEFAULT_QUALITY_THRESHOLD,
      'qualityThreshold',
    );
  }

  protected override validateTeam(agents: readonly TAgent[]): void {
    if (agents.length !== 2) {
      throw new ValidationError(
        'agents',
        `the teaching strategy needs exactly 2 agents [junior, expert] (got ${agents.length})`,
      );
    }
  }

  protected override async run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult> {
    const [junior, expert] = agents as readonly [TAgent, TAgent];
    run.phase('junior');
    const juniorResult = await run.runAgent(junior, context);
    if (juniorResult.success && juniorResult.confidence >= this.qualityThreshold) {
      return finish([juniorResult], juniorResult, {
        outcome: 'junior_success',
        juniorOutput: juniorResult.output,
      });
    }
    run.phase('expert-takeover');
    const expertResult = await run.runAgent(expert, {
      ...context,
      juniorAttempt: juniorResult.output,
    });
    return finish([juniorResult, expertResult], expertResult, {
      outcome: 'expert_takeover',
      juniorOutput: juniorResult.output,
      expertOutput: expertResult.output,
    });
  }
}

function finish(
  results: AgentResult[],
  decisive: AgentResult,
  aggregatedOutput: Record<string, unknown>,
): StrategyResult {
  return {
    success: decisive.success,
    outputs: results,
    aggregatedOutput,
    totalDuration: sumDurations(results),
    errors: errorsOf(results),
  };
}

/** Checks a number in 0..1 for option `field`. */
export function validateUnitInterval(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ValidationError(field, `must be a number from 0 to 1 (got ${String(value)})`);
  }
  return value;
}
