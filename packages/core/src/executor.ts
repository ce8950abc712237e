import type { Tier } from './constants.js';
import type { Usage } from './schemas.js';

/**
 * The least an agent must be for a strategy to run it: an id, and optionally a tier and a time
 * limit. Baton's own {@link Agent} satisfies it, and so does any other framework's agent object.
 */
export interface ExecutableAgent {
  /** Unique within one run. */
  id: string;
  /** Tier, used by cost-aware strategies (adaptive). */
  tier?: Tier | undefined;
  /** `timeoutSeconds` is enforced by every strategy. */
  resourceRequirements?: { timeoutSeconds?: number | undefined } | undefined;
}

/** Options passed to every executor call. */
export interface AgentExecutionOptions {
  /** Aborted when the run is cancelled or the agent's time limit passes. */
  signal: AbortSignal;
  /**
   * Tells the engine about a process the executor started for this agent (a coding-agent CLI,
   * started as the leader of its own process group), so that the run records it and a later
   * resume can end it if it outlived a crashed run. Call `exited` when it has ended.
   */
  onProcess?: ((process: { pid: number; command?: string }) => { exited(): void }) | undefined;
  /**
   * Tells the engine something about this call that a person should know and that is not a
   * failure (e.g. the call was run again on another worker after its first one died). The run
   * records it as a `run-notice` event of the step and lists it in its result's `notices`.
   */
  onNotice?: ((message: string) => void) | undefined;
}

/** What an executor returns for one agent run. */
export interface AgentExecutionOutput {
  /** The agent's output. */
  output: unknown;
  /** Confidence 0..1 reported by the agent; absent or `null` when it reported none. */
  confidence?: number | null | undefined;
  /** Whether the agent considers its run successful; defaults to true. */
  success?: boolean | undefined;
  /** Error text when `success` is false. */
  error?: string | undefined;
  /** Tokens and cost, when the agent ran on a model. */
  usage?: Usage | undefined;
}

/**
 * The one seam between composition and execution: runs one agent with a context.
 * Throwing (or rejecting) means the agent failed; strategies turn that into a failed result.
 *
 * @example
 * ```ts
 * const executor: AgentExecutor = async (agent, context, { signal }) => {
 *   const answer = await myFramework.run(agent.id, context, { signal });
 *   return { output: answer, confidence: 0.9 };
 * };
 * ```
 */
export type AgentExecutor<TAgent extends ExecutableAgent = ExecutableAgent> = (
  agent: TAgent,
  context: Record<string, unknown>,
  options: AgentExecutionOptions,
) => Promise<AgentExecutionOutput>;
