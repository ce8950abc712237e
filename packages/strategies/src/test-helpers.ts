// Shared by the tests only (not exported from the package).
import type { AgentExecutionOutput, ExecutableAgent, Tier } from '@baton/core';
import { delay } from '@baton/core';

/** A minimal agent of "another framework". */
export interface TestAgent extends ExecutableAgent {
  id: string;
  tier?: Tier;
  resourceRequirements?: { timeoutSeconds?: number };
}

export function agent(
  id: string,
  options: { tier?: Tier; timeoutSeconds?: number } = {},
): TestAgent {
  return {
    id,
    ...(options.tier === undefined ? {} : { tier: options.tier }),
    ...(options.timeoutSeconds === undefined
      ? {}
      : { resourceRequirements: { timeoutSeconds: options.timeoutSeconds } }),
  };
}

export type Behaviour = (
  context: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<AgentExecutionOutput> | AgentExecutionOutput;

export interface Call {
  agentId: string;
  context: Record<string, unknown>;
  signal: AbortSignal;
}

/**
 * An executor whose behaviour is scripted per agent id (default: succeed with output `<id>-out`
 * and confidence 0.9). Records every call with a snapshot of the context it received.
 */
export function scriptedExecutor(script: Record<string, Behaviour> = {}) {
  const calls: Call[] = [];
  const executor = async (
    target: TestAgent,
    context: Record<string, unknown>,
    { signal }: { signal: AbortSignal },
  ): Promise<AgentExecutionOutput> => {
    calls.push({ agentId: target.id, context: structuredClone(context), signal });
    const behaviour = script[target.id];
    if (behaviour === undefined) return { output: `${target.id}-out`, confidence: 0.9 };
    return behaviour(context, signal);
  };
  return { executor, calls, called: () => calls.map((call) => call.agentId) };
}

/** Never settles and never looks at its signal: an agent that hangs. */
export const hangs: Behaviour = () => new Promise<never>(() => {});

/** Waits until its signal aborts (or 10 s), then rejects with the signal's reason. */
export const honoursSignal: Behaviour = async (_context, signal) => {
  await delay(10_000, { signal });
  return { output: 'too late' };
};

/** Throws `message`. */
export function throws(message: string): Behaviour {
  return () => {
    throw new Error(message);
  };
}

/** Succeeds after `milliseconds` (honouring the signal). */
export function after(milliseconds: number, answer: AgentExecutionOutput): Behaviour {
  return async (_context, signal) => {
    await delay(milliseconds, { signal });
    return answer;
  };
}

/** Like {@link after}, recording `start:<id>` and `end:<id>` in `log`. */
export function traced(
  log: string[],
  id: string,
  milliseconds: number,
  answer: AgentExecutionOutput,
): Behaviour {
  return async (_context, signal) => {
    log.push(`start:${id}`);
    await delay(milliseconds, { signal });
    log.push(`end:${id}`);
    return answer;
  };
}
