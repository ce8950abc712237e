import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentExecutionOutput,
  type AgentExecutor,
  createTaskGraph,
  type ExecutableAgent,
  type RunEvent,
  type TaskGraph,
  type TaskStepInput,
} from '@baton/core';
import { afterEach } from 'vitest';

const created: string[] = [];

/** A fresh `.baton` folder removed after the test. */
export function tempBatonDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-runtime-'));
  created.push(dir);
  return join(dir, '.baton');
}

afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What a scripted agent does on each call: a value to return, an error to throw, or a function. */
export type Script =
  | AgentExecutionOutput
  | Error
  | ((context: Record<string, unknown>, signal: AbortSignal) => Promise<AgentExecutionOutput>);

/**
 * A deterministic executor: each agent id has a list of scripted calls (the last repeats). Records
 * every call with its context.
 */
export function scriptedExecutor(scripts: Record<string, Script[]>): AgentExecutor & {
  calls: Array<{ agentId: string; tier: string | undefined; context: Record<string, unknown> }>;
  count: (agentId: string) => number;
} {
  const calls: Array<{
    agentId: string;
    tier: string | undefined;
    context: Record<string, unknown>;
  }> = [];
  const executor = async (
    agent: ExecutableAgent,
    context: Record<string, unknown>,
    { signal }: { signal: AbortSignal },
  ): Promise<AgentExecutionOutput> => {
    const seen = calls.filter((call) => call.agentId === agent.id).length;
    calls.push({ agentId: agent.id, tier: agent.tier, context });
    const list = scripts[agent.id] ?? [{ output: `${agent.id} done`, confidence: 0.9 }];
    const script = list[Math.min(seen, list.length - 1)]!;
    if (script instanceof Error) throw script;
    if (typeof script === 'function') return script(context, signal);
    return script;
  };
  return Object.assign(executor, {
    calls,
    count: (agentId: string) => calls.filter((call) => call.agentId === agentId).length,
  });
}

/** A graph of agent steps from a compact description. */
export function graphOf(
  steps: Array<Partial<TaskStepInput> & { id: string }>,
  extra: { task?: string; strategy?: string } = {},
): TaskGraph {
  return createTaskGraph({
    ...extra,
    steps: steps.map((step) => ({ kind: 'agent', agent: { id: step.id }, ...step })),
  });
}

/** Collects every event of an emitter. */
export function collect(events: {
  on(type: 'event', listener: (event: RunEvent) => void): unknown;
}): RunEvent[] {
  const list: RunEvent[] = [];
  events.on('event', (event) => list.push(event));
  return list;
}

/** Waits until `check` is true, polling every 10 ms, failing after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('waitFor timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
