import {
  type AgentResult,
  CompositionPattern,
  type ExecutableAgent,
  errorsOf,
  type GraphHooks,
  type RunView,
  sumDurations,
  ValidationError,
} from '@baton/core';
import { ExecutionStrategy, type StrategyOptions } from './execution-strategy.js';
import {
  agentStep,
  type StrategyGraph,
  type StrategyGraphOptions,
  stepIdsFor,
  stepWithRole,
  strategyGraph,
  unitParam,
  validateUnitInterval,
} from './strategy-graph.js';

/** The junior's confidence needed for its answer to stand, unless configured. */
export const DEFAULT_QUALITY_THRESHOLD = 0.7;

/** Options of {@link TeachingStrategy}. */
export interface TeachingStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /** Minimum junior confidence (0..1) for the junior's answer to stand. Default 0.7. */
  qualityThreshold?: number | undefined;
}

function juniorResult(view: RunView): AgentResult | undefined {
  const junior = stepWithRole(view, 'junior');
  return junior === undefined ? undefined : view.result(junior.id);
}

/** Whether the junior's answer stands: it succeeded with a reported confidence at the threshold. */
function juniorStands(view: RunView): boolean {
  const result = juniorResult(view);
  const threshold = unitParam(view.graph, 'qualityThreshold', DEFAULT_QUALITY_THRESHOLD);
  return result?.success === true && result.confidence !== null && result.confidence >= threshold;
}

const hooks: GraphHooks = {
  // The expert takes over when the junior failed or was not confident enough; a failed junior
  // goes to the expert without asking anyone.
  shouldRun: (step, view) => step.role !== 'expert' || !juniorStands(view),
  contextFor(step, view, base) {
    if (step.role === 'expert') base.juniorAttempt = juniorResult(view)?.output;
    return base;
  },
  describe(step, graph) {
    if (step.role !== 'expert') return undefined;
    const junior = graph.steps.find((candidate) => candidate.role === 'junior');
    const threshold = unitParam(graph, 'qualityThreshold', DEFAULT_QUALITY_THRESHOLD);
    return `if ${junior?.id ?? 'the junior'} fails or reports confidence < ${threshold}`;
  },
  aggregate(view) {
    const junior = juniorResult(view);
    const expertStep = stepWithRole(view, 'expert');
    const expert = expertStep === undefined ? undefined : view.result(expertStep.id);
    const results = [junior, expert].filter(
      (result): result is AgentResult => result !== undefined,
    );
    if (expert === undefined) {
      return {
        success: junior?.success === true && juniorStands(view),
        aggregatedOutput: { outcome: 'junior_success', juniorOutput: junior?.output },
        totalDuration: sumDurations(results),
        errors: errorsOf(results),
      };
    }
    return {
      success: expert.success,
      aggregatedOutput: {
        outcome: 'expert_takeover',
        juniorOutput: junior?.output,
        expertOutput: expert.output,
      },
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  },
};

/**
 * The teaching strategy's graph (junior → expert): the junior runs first (phase `teaching.junior`);
 * the expert (phase `teaching.expert-takeover`) runs only when the junior failed or reported a
 * confidence below the threshold, with the junior's attempt in its context.
 */
export const teachingGraph: StrategyGraph = {
  name: CompositionPattern.TEACHING,
  validateTeam(team) {
    if (team.length !== 2) {
      throw new ValidationError(
        'agents',
        `the teaching strategy needs exactly 2 agents [junior, expert] (got ${team.length})`,
      );
    }
  },
  build(team, options: StrategyGraphOptions = {}) {
    teachingGraph.validateTeam(team, options);
    const [junior, expert] = team as readonly [ExecutableAgent, ExecutableAgent];
    const ids = stepIdsFor(team, options);
    const threshold = validateUnitInterval(
      options.qualityThreshold ?? DEFAULT_QUALITY_THRESHOLD,
      'qualityThreshold',
    );
    return strategyGraph(
      CompositionPattern.TEACHING,
      [
        agentStep(ids[0]!, junior, {
          role: 'junior',
          strategy: CompositionPattern.TEACHING,
          parentId: 'teaching.junior',
          critical: false,
          escalate: false,
        }),
        agentStep(ids[1]!, expert, {
          role: 'expert',
          strategy: CompositionPattern.TEACHING,
          parentId: 'teaching.expert-takeover',
          dependsOn: [ids[0]!],
          onDependencyFailure: 'run',
        }),
      ],
      options,
      { qualityThreshold: threshold },
    );
  },
  hooks,
};

/**
 * Teaching composition (junior → expert). Exactly two agents, `[junior, expert]`. The junior runs
 * first; when it succeeds with confidence >= `qualityThreshold` its answer stands (outcome
 * `junior_success`). Otherwise the expert runs with the junior's output in its context as
 * `juniorAttempt` (outcome `expert_takeover`). A junior that reports no confidence has not shown
 * it is confident enough: the expert takes over.
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
  protected readonly graph = teachingGraph;
  /** Minimum junior confidence for its answer to stand. */
  readonly qualityThreshold: number;

  constructor(options: TeachingStrategyOptions<TAgent>) {
    super(options);
    this.qualityThreshold = validateUnitInterval(
      options.qualityThreshold ?? DEFAULT_QUALITY_THRESHOLD,
      'qualityThreshold',
    );
  }

  protected override graphOptions(): StrategyGraphOptions {
    return { qualityThreshold: this.qualityThreshold };
  }
}
