import {
  type AgentResult,
  averageConfidence,
  CompositionPattern,
  type ExecutableAgent,
  errorsOf,
  type GraphHooks,
  type RunView,
  ValidationError,
  wallSeconds,
} from '@baton/core';
import { ExecutionStrategy, type StrategyOptions } from './execution-strategy.js';
import { validateConcurrency } from './parallel-strategy.js';
import {
  agentStep,
  requireAtLeast,
  type StrategyGraph,
  type StrategyGraphOptions,
  stepIdsFor,
  stepsWithRole,
  stepWithRole,
  strategyGraph,
} from './strategy-graph.js';
import { agentIssues } from './validate-agents.js';

/** Options of {@link DebateStrategy}. */
export interface DebateStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /**
   * Runs after the opinions and turns them into one answer, `aggregatedOutput.synthesis`. It sees
   * the run's context plus `opinions` (the {@link AgentResult} of every participant that
   * succeeded, in order), `failedOpinions` (`{ agentId, error }` of the others) and `consensus`.
   * Its id must differ from the participants' ids.
   */
  synthesizer?: TAgent | undefined;
  /** How many participants may give their opinion at once: a positive integer, default `Infinity`. */
  concurrency?: number | undefined;
}

/** The vote over the opinions of a debate. */
export interface DebateConsensus {
  /** True when a strict majority of the participants succeeded (`successVotes > totalVotes / 2`). */
  consensusReached: boolean;
  /** Participants that succeeded. */
  successVotes: number;
  /** Participants. */
  totalVotes: number;
  /** Mean of the confidences the participants reported; `null` when none reported one. */
  avgConfidence: number | null;
}

/** The vote: a strict majority of successful opinions (BEHAVIOUR §4). */
export function debateConsensus(opinions: readonly AgentResult[]): DebateConsensus {
  const successVotes = opinions.filter((opinion) => opinion.success).length;
  return {
    consensusReached: successVotes > opinions.length / 2,
    successVotes,
    totalVotes: opinions.length,
    avgConfidence: averageConfidence(opinions),
  };
}

const SYNTHESIZER_ROLE = 'synthesizer';
const OPINION_ROLE = 'opinion';

function opinionResults(view: RunView): AgentResult[] {
  const results: AgentResult[] = [];
  for (const step of stepsWithRole(view, OPINION_ROLE)) {
    const result = view.result(step.id);
    if (result !== undefined) results.push(result);
  }
  return results;
}

const hooks: GraphHooks = {
  // The synthesizer runs only on successful opinions, and only when there is one.
  shouldRun(step, view) {
    if (step.role !== SYNTHESIZER_ROLE) return true;
    return opinionResults(view).some((opinion) => opinion.success);
  },
  contextFor(step, view, base) {
    if (step.role !== SYNTHESIZER_ROLE) return base;
    const opinions = opinionResults(view);
    base.opinions = opinions
      .filter((opinion) => opinion.success)
      .map((opinion) => ({ ...opinion }));
    base.failedOpinions = opinions
      .filter((opinion) => !opinion.success)
      .map((opinion) => ({ agentId: opinion.agentId, error: opinion.error }));
    base.consensus = debateConsensus(opinions);
    return base;
  },
  describe: (step) =>
    step.role === SYNTHESIZER_ROLE ? 'if at least one opinion succeeded' : undefined,
  aggregate(view) {
    const opinions = opinionResults(view);
    const consensus = debateConsensus(opinions);
    const aggregatedOutput: Record<string, unknown> = {
      debateParticipants: opinions.map((opinion) => opinion.agentId),
      opinions: opinions.map((opinion) => opinion.output),
      consensus,
    };
    const errors = errorsOf(opinions);
    let success = consensus.consensusReached;
    let totalDuration = wallSeconds(
      view,
      stepsWithRole(view, OPINION_ROLE).map((step) => step.id),
    );
    const synthesizer = stepWithRole(view, SYNTHESIZER_ROLE);
    if (synthesizer !== undefined) {
      const synthesis = view.result(synthesizer.id);
      if (synthesis === undefined) {
        success = false;
        errors.push(
          `Synthesizer "${synthesizer.agent?.id ?? synthesizer.id}" was not run: no opinion succeeded`,
        );
      } else {
        totalDuration += synthesis.durationSeconds;
        if (synthesis.success) aggregatedOutput.synthesis = synthesis.output;
        else {
          success = false;
          errors.push(synthesis.error);
        }
      }
    }
    return { success, aggregatedOutput, totalDuration, errors };
  },
};

/** The team's synthesizer and participants under the options. */
function splitTeam(
  team: readonly ExecutableAgent[],
  options: StrategyGraphOptions,
): { participants: readonly ExecutableAgent[]; synthesizer: ExecutableAgent | undefined } {
  if (options.synthesizer !== undefined)
    return { participants: team, synthesizer: options.synthesizer };
  let index = -1;
  if (options.synthesizerId !== undefined) {
    index = team.findIndex((agent) => agent.id === options.synthesizerId);
    if (index < 0) {
      throw new ValidationError('synthesizerId', `no agent "${options.synthesizerId}" in the team`);
    }
  } else {
    index = team.findIndex(
      (agent) => (agent as { strategyRole?: unknown }).strategyRole === SYNTHESIZER_ROLE,
    );
    // Teams stored before agents kept their strategy role: the agent factory's synthesizer id.
    if (index < 0) index = team.findIndex((agent) => agent.id.endsWith('__synthesizer'));
  }
  if (index < 0) return { participants: team, synthesizer: undefined };
  return {
    participants: team.filter((_, position) => position !== index),
    synthesizer: team[index],
  };
}

/**
 * The debate strategy's graph (A ⇄ B ⇄ C → synthesis): the participants give their opinions in
 * parallel (phase `debate.opinions`); consensus is a strict majority of successful opinions; an
 * optional synthesizer (phase `debate.synthesis`) runs on the successful opinions, when there is
 * one. A participant's failure is the vote's business, never a person's.
 */
export const debateGraph: StrategyGraph = {
  name: CompositionPattern.DEBATE,
  validateTeam(team, options = {}) {
    const { participants, synthesizer } = splitTeam(team, options);
    requireAtLeast(participants, 2, 'debate', 'to give opinions');
    if (
      synthesizer !== undefined &&
      options.synthesizer !== undefined &&
      participants.some((agent) => agent.id === synthesizer.id)
    ) {
      throw new ValidationError(
        'synthesizer.id',
        `must differ from the participants' ids ("${synthesizer.id}" is also a participant)`,
      );
    }
  },
  build(team, options = {}) {
    debateGraph.validateTeam(team, options);
    const { participants, synthesizer } = splitTeam(team, options);
    const all = synthesizer === undefined ? participants : [...participants, synthesizer];
    const ids = stepIdsFor(all, options);
    const opinionIds = ids.slice(0, participants.length);
    const steps = participants.map((agent, index) =>
      agentStep(opinionIds[index]!, agent, {
        role: OPINION_ROLE,
        strategy: CompositionPattern.DEBATE,
        parentId: 'debate.opinions',
        escalate: false,
      }),
    );
    if (synthesizer !== undefined) {
      steps.push(
        agentStep(ids.at(-1)!, synthesizer, {
          role: SYNTHESIZER_ROLE,
          strategy: CompositionPattern.DEBATE,
          parentId: 'debate.synthesis',
          dependsOn: opinionIds,
          onDependencyFailure: 'run',
        }),
      );
    }
    return strategyGraph(CompositionPattern.DEBATE, steps, options);
  },
  hooks,
};

/**
 * Debate composition (A ⇄ B ⇄ C → synthesis). Phase `debate.opinions`: every participant answers
 * the same context independently, in parallel. Consensus is a strict majority of successful
 * participants. Phase `debate.synthesis` (only with a `synthesizer`, and only when at least one
 * opinion succeeded): the synthesizer receives the successful opinions and produces the synthesis.
 *
 * `aggregatedOutput` is `{ debateParticipants, opinions, consensus: { consensusReached, successVotes,
 * totalVotes, avgConfidence }, synthesis? }` where `opinions` are the participants' outputs in
 * order and `synthesis` is the synthesizer's output when it succeeded. `outputs` lists the
 * participants, then the synthesizer when it ran. `success` means the debate reached a consensus
 * and, with a synthesizer, the synthesizer succeeded; a participant's failure is still in `errors`.
 * `totalDuration` is the wall time of the opinions phase plus the synthesizer's duration.
 *
 * @example
 * ```ts
 * const debate = new DebateStrategy({ executor, synthesizer: { id: 'moderator' } });
 * const result = await debate.execute([scaleArchitect, costArchitect, simplicityArchitect], { requirements });
 * const { consensus, synthesis } = result.aggregatedOutput;
 * ```
 */
export class DebateStrategy<
  TAgent extends ExecutableAgent = ExecutableAgent,
> extends ExecutionStrategy<TAgent> {
  readonly name = CompositionPattern.DEBATE;
  protected readonly graph = debateGraph;
  /** The agent that synthesises the opinions, if any. */
  readonly synthesizer: TAgent | undefined;
  /** How many participants may run at once. */
  readonly concurrency: number;

  constructor(options: DebateStrategyOptions<TAgent>) {
    super(options);
    if (options.synthesizer !== undefined) {
      const issues = agentIssues(options.synthesizer, 'synthesizer');
      if (issues.length > 0) throw new ValidationError(issues);
    }
    this.synthesizer = options.synthesizer;
    this.concurrency = validateConcurrency(options.concurrency);
  }

  protected override graphOptions(): StrategyGraphOptions {
    return this.synthesizer === undefined ? {} : { synthesizer: this.synthesizer };
  }

  protected override maxConcurrency(): number {
    return this.concurrency;
  }
}
