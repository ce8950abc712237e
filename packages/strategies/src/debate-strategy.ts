import {
  type AgentResult,
  CompositionPattern,
  type ExecutableAgent,
  type StrategyResult,
  ValidationError,
} from '@baton/core';
import {
  averageConfidence,
  ExecutionStrategy,
  errorsOf,
  requireAtLeast,
  type StrategyOptions,
  type StrategyRun,
} from './execution-strategy.js';
import { validateConcurrency } from './parallel-strategy.js';
import { runAll } from './run-all.js';
import { agentIssues } from './validate-agents.js';

/** Options of {@link DebateStrategy}. */
export interface DebateStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /**
   * Runs after the opinions and turns them into one answer, `aggregatedOutput.synthesis`. It sees
   * the run's context plus `opinions` (every participant's {@link AgentResult}, in order) and
   * `consensus`. Its id must differ from the participants' ids.
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
  /** Mean confidence of all participants (failures count as they were reported, usually 0). */
  avgConfidence: number;
}

/**
 * Debate composition (A ⇄ B ⇄ C → synthesis). Phase `opinions`: every participant answers the same
 * context independently, in parallel. Consensus is a strict majority of successful participants.
 * Phase `synthesis` (only with a `synthesizer`, and only when at least one opinion succeeded): the
 * synthesizer receives all opinions and produces the synthesis.
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

  protected override validateTeam(agents: readonly TAgent[]): void {
    requireAtLeast(agents, 2, 'debate', 'to give opinions');
    const synthesizer = this.synthesizer;
    if (synthesizer !== undefined && agents.some((agent) => agent.id === synthesizer.id)) {
      throw new ValidationError(
        'synthesizer.id',
        `must differ from the participants' ids ("${synthesizer.id}" is also a participant)`,
      );
    }
  }

  protected override async run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult> {
    run.phase('opinions');
    const { results, wallSeconds } = await runAll(agents, context, run, this.concurrency);
    const successVotes = results.filter((result) => result.success).length;
    const consensus: DebateConsensus = {
      consensusReached: successVotes > results.length / 2,
      successVotes,
      totalVotes: results.length,
      avgConfidence: averageConfidence(results),
    };
    const aggregatedOutput: Record<string, unknown> = {
      debateParticipants: results.map((result) => result.agentId),
      opinions: results.map((result) => result.output),
      consensus,
    };
    const outputs: AgentResult[] = [...results];
    const errors = errorsOf(results);
    let totalDuration = wallSeconds;
    let success = consensus.consensusReached;

    const synthesizer = this.synthesizer;
    if (synthesizer !== undefined) {
      if (successVotes === 0) {
        success = false;
        errors.push(`Synthesizer "${synthesizer.id}" was not run: no opinion succeeded`);
      } else {
        run.phase('synthesis');
        const synthesis = await run.runAgent(synthesizer, {
          ...context,
          opinions: results.map((result) => ({ ...result })),
          consensus: { ...consensus },
        });
        outputs.push(synthesis);
        totalDuration += synthesis.durationSeconds;
        if (synthesis.success) aggregatedOutput.synthesis = synthesis.output;
        else {
          success = false;
          errors.push(synthesis.error);
        }
      }
    }
    return { success, outputs, aggregatedOutput, totalDuration, errors };
  }
}
