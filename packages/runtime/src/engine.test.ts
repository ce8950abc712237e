import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { delay, formatEventLine, type GraphHooks, RetryableError, RunEmitter } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { compilePlan } from './compile-plan.js';
import { FileCheckpointer } from './file-checkpointer.js';
import { Runtime } from './runtime.js';
import { collect, graphOf, scriptedExecutor, tempBatonDir, waitFor } from './test-helpers.js';

const noEscalation = { onFailure: false } as const;

describe('Runtime: running graphs', () => {
  it('runs a chain, checkpoints every step, records the lifecycle and reaches 100%', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({});
    const events = new RunEmitter();
    const seen = collect(events);
    const graph = graphOf(
      [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }],
      { task: 'write docs' },
    );
    const result = await runtime.run(graph, { executor, events, runId: 'run-1' });
    expect(result.status).toBe('succeeded');
    expect(result.success).toBe(true);
    expect(result.progress.percent).toBe(100);
    expect(executor.calls.map((call) => call.agentId)).toEqual(['a', 'b', 'c']);
    expect(executor.calls[1]!.context).toMatchObject({ task: 'write docs', a: 'a done' });
    // Every finished step is committed to the run's event log (its step-end line).
    const committed = readFileSync(join(dir, 'runs', 'run-1', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((event) => event.type === 'step-end')
      .map((event) => [event.stepId, event.status, event.attempts.length]);
    expect(committed).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', 1],
      ['c', 'succeeded', 1],
    ]);
    expect(readdirSync(join(dir, 'runs', 'run-1'))).toEqual(['events.jsonl']);
    const record = new FileCheckpointer({ dir, fsync: false }).loadRun('run-1');
    expect(record.status).toBe('succeeded');
    expect(record.state).toBe('idle');
    expect(record.history.map((entry: { trigger: string }) => entry.trigger)).toEqual([
      'start',
      'plan',
      'execute',
      'monitor',
      'complete',
      'finish',
    ]);
    expect(
      record.history.every((entry: { at: string }) => !Number.isNaN(Date.parse(entry.at))),
    ).toBe(true);
    const types = seen.map((event) => event.type);
    expect(types[0]).toBe('state-change');
    expect(types).toContain('run-start');
    expect(types.at(-1)).toBe('run-end');
    expect(seen.every((event) => event.runId === 'run-1')).toBe(true);
    expect(seen.map((event) => event.seq)).toEqual(seen.map((_, index) => index + 1));
    const stepEnds = seen.filter((event) => event.type === 'step-end');
    expect(
      stepEnds.map((event) => (event.type === 'step-end' ? event.progress.percent : 0)),
    ).toEqual([33.3, 66.7, 100]);
    const logged = readFileSync(join(dir, 'runs', 'run-1', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n');
    // The first line is the run's record as it was created, the last one the record as it ended
    // (without the graph the first one holds); every event is in between.
    expect(JSON.parse(logged[0]!)).toMatchObject({
      type: 'run-record',
      record: { id: 'run-1', status: 'running', graph: { task: 'write docs' } },
    });
    const last = JSON.parse(logged.at(-1)!);
    expect(last).toMatchObject({ type: 'run-record', record: { status: 'succeeded' } });
    expect(last.record.graph).toBeUndefined();
    expect(logged.slice(1, -1)).toHaveLength(seen.length);
    expect(record.graph.steps).toHaveLength(3);
  });

  it("keeps an executor's notice about a call: a run-notice of the step, stored, and in the result", async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const graph = graphOf([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }]);
    const result = await runtime.run(graph, {
      runId: 'run-notice',
      executor: async (agent, _context, { onNotice }) => {
        if (agent.id === 'b') onNotice?.('was run again on worker w2');
        return { output: `${agent.id} done` };
      },
    });
    expect(result.status).toBe('succeeded');
    expect(result.notices).toEqual(['step b: was run again on worker w2']);
    const stored = (await runtime.checkpointer.readEvents('run-notice')).filter(
      (event) => event.type === 'run-notice',
    );
    expect(stored).toMatchObject([
      { stepId: 'b', agentId: 'b', message: 'step b: was run again on worker w2' },
    ]);
  });

  it('never runs more steps at once than the concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    const slow = async () => {
      active += 1;
      peak = Math.max(peak, active);
      await delay(15);
      active -= 1;
      return { output: 'ok', confidence: 1 };
    };
    const executor = scriptedExecutor(
      Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((id) => [id, [slow]])),
    );
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const result = await runtime.run(graphOf(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }))), {
      executor,
      concurrency: 2,
    });
    expect(result.status).toBe('succeeded');
    expect(peak).toBe(2);
  });

  it('propagates a failure: dependents are skipped and the run fails with typed results', async () => {
    const executor = scriptedExecutor({
      r: [{ output: null, success: false, error: 'review found nothing' }],
    });
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const result = await runtime.run(
      graphOf([{ id: 'd' }, { id: 'r', dependsOn: ['d'] }, { id: 'p', dependsOn: ['r'] }]),
      { executor, escalation: noEscalation },
    );
    expect(result.status).toBe('failed');
    expect(result.success).toBe(false);
    expect(result.steps.r).toMatchObject({ status: 'failed', reason: 'agent-reported' });
    expect(result.steps.r!.result).toMatchObject({
      success: false,
      error: 'Agent "r" reported failure: review found nothing',
    });
    expect(result.steps.p).toMatchObject({ status: 'skipped', reason: 'dependency-failed' });
    expect(executor.count('p')).toBe(0);
  });

  it('a parallel run fails when a branch fails, even though other branches succeeded', async () => {
    const executor = scriptedExecutor({ b: [new Error('boom')] });
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const graph = compilePlan({ strategy: 'parallel', agents: [{ id: 'a' }, { id: 'b' }] });
    const result = await runtime.run(graph, { executor, escalation: noEscalation });
    expect(result.steps.a).toMatchObject({ status: 'succeeded' });
    expect(result.steps.b).toMatchObject({ status: 'failed', reason: 'error' });
    expect(result.errors).toEqual(['Agent "b" failed: boom']);
    expect(result.aggregatedOutput).toMatchObject({ numAgents: 2, allSucceeded: false });
    expect(result.status).toBe('failed');
  });

  it('a join step of a graph without a strategy fails when a branch fails', async () => {
    const executor = scriptedExecutor({ b: [new Error('boom')] });
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const graph = graphOf([
      { id: 'a' },
      { id: 'b' },
      {
        id: 'join',
        kind: 'join',
        agent: undefined,
        dependsOn: ['a', 'b'],
        onDependencyFailure: 'run',
      },
    ]);
    const result = await runtime.run(graph, { executor, escalation: noEscalation });
    expect(result.steps.join).toMatchObject({ status: 'failed', reason: 'dependency-failed' });
    expect(result.steps.join!.result!.error).toBe('failed dependencies: b');
    expect(result.status).toBe('failed');
  });

  it('enforces the agent time limit as a timeout failure', async () => {
    const executor = scriptedExecutor({
      slow: [
        async (_context, signal) => {
          await delay(2000, { signal });
          return { output: 'late' };
        },
      ],
    });
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const started = Date.now();
    const result = await runtime.run(
      graphOf([
        { id: 'slow', agent: { id: 'slow', resourceRequirements: { timeoutSeconds: 0.05 } } },
      ]),
      { executor, escalation: noEscalation, retry: { maxRetries: 0 } },
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.steps.slow).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(result.steps.slow!.result!.error).toContain('timed out after 0.05s');
  });
});

describe('Runtime: retries and fallbacks', () => {
  it('retries retryable errors with capped exponential backoff and honours Retry-After', async () => {
    const rateLimited = Object.assign(new Error('429 too many requests'), {
      status: 429,
      headers: { 'retry-after': '0.03' },
    });
    const executor = scriptedExecutor({
      a: [new RetryableError('overloaded'), rateLimited, { output: 'finally', confidence: 0.8 }],
    });
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const events = new RunEmitter();
    const seen = collect(events);
    const result = await runtime.run(graphOf([{ id: 'a' }]), {
      executor,
      events,
      random: () => 1,
      retry: { maxRetries: 3, initialDelayMs: 5, maxDelayMs: 1000 },
    });
    expect(result.status).toBe('succeeded');
    expect(executor.count('a')).toBe(3);
    const retries = seen.filter((event) => event.type === 'step-retry');
    expect(retries.map((event) => (event.type === 'step-retry' ? event.delayMs : -1))).toEqual([
      5, 30,
    ]);
    expect(result.steps.a!.attempts.map((attempt) => attempt.success)).toEqual([
      false,
      false,
      true,
    ]);
    const audit = await new AuditLog({ path: join(dir, 'audit.jsonl') }).read({ type: 'retry' });
    expect(audit).toHaveLength(2);
    expect(audit[0]!.message).toContain('retry 1/3');
  });

  it('does not retry errors that are not retryable', async () => {
    const executor = scriptedExecutor({ a: [new Error('bad prompt')] });
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const result = await runtime.run(graphOf([{ id: 'a' }]), {
      executor,
      escalation: noEscalation,
    });
    expect(executor.count('a')).toBe(1);
    expect(result.steps.a).toMatchObject({ status: 'failed', reason: 'error' });
  });

  it('a setup failure (rejected key) fails at once: no fallback on the same executor, no decision', async () => {
    const tiers: string[] = [];
    const codex = async () => ({ output: 'codex answered', confidence: 0.8 });
    const plan = { strategy: 'sequential' as const, agents: [{ id: 'a', tier: 'CHEAP' as const }] };
    const run = (executors: Record<string, typeof codex>) =>
      new Runtime({ dir: tempBatonDir(), fsync: false }).run(
        compilePlan(plan, { executorChain: Object.keys(executors) }),
        {
          executor: async (agent: { tier?: string }) => {
            tiers.push(agent.tier ?? '?');
            return {
              output: { httpStatus: 401 },
              success: false,
              error: 'Authentication failed (401): check THE_KEY',
              usage: { inputTokens: 0, outputTokens: 0 },
            };
          },
          executors,
          isSetupFailure: (output) =>
            (output.output as { httpStatus?: number } | null)?.httpStatus === 401,
        },
      );
    // Another executor of the chain still runs; the higher tiers on the same one do not.
    const rescued = await run({ codex });
    expect(rescued.status).toBe('succeeded');
    expect(tiers).toEqual(['CHEAP']);
    tiers.length = 0;
    const failed = await run({});
    expect(tiers).toEqual(['CHEAP']);
    expect(failed.status).toBe('failed');
    expect(failed.pendingDecisions).toEqual([]);
    expect(failed.steps.a).toMatchObject({
      status: 'failed',
      reason: 'agent-reported',
      result: { error: 'Agent "a" reported failure: Authentication failed (401): check THE_KEY' },
    });
    expect(failed.spend.total).toMatchObject({ agents: 1, totalTokens: 0, unmeasuredAttempts: 0 });
  });

  it('falls back to the next executor in the chain, then to the next tier', async () => {
    const calls: string[] = [];
    const primary = scriptedExecutor({
      a: [
        async (): Promise<never> => {
          calls.push('primary');
          throw new Error('cli crashed');
        },
      ],
    });
    const codex = async (agent: { tier?: string }) => {
      calls.push(`codex ${agent.tier}`);
      return { output: null, success: false, error: 'codex refused' };
    };
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const graph = compilePlan(
      { strategy: 'sequential', agents: [{ id: 'a', tier: 'CHEAP' }] },
      { executorChain: ['codex'] },
    );
    const events = new RunEmitter();
    const seen = collect(events);
    const tiers: string[] = [];
    const result = await runtime.run(graph, {
      executor: async (agent, context, options) => {
        if (agent.tier === 'CHEAP') return primary(agent, context, options);
        tiers.push(agent.tier ?? '?');
        return { output: `done at ${agent.tier}`, confidence: 0.9 };
      },
      executors: { codex },
      events,
      escalation: noEscalation,
    });
    expect(calls).toEqual(['primary', 'codex CHEAP']);
    expect(tiers).toEqual(['CAPABLE']);
    expect(result.steps.a!.result!.output).toBe('done at CAPABLE');
    expect(result.steps.a!.attempts.map((attempt) => attempt.via)).toEqual([
      'primary',
      'executor codex',
      'tier CAPABLE',
    ]);
    expect(seen.filter((event) => event.type === 'step-fallback')).toHaveLength(2);
    expect(result.spend.total.agents).toBe(3);
  });
});

describe('Runtime: conditional steps', () => {
  const teaching = compilePlan({
    strategy: 'teaching',
    agents: [
      { id: 'junior', tier: 'CHEAP' },
      { id: 'expert', tier: 'PREMIUM' },
    ],
  });

  it('skips the expert when the junior is confident (skipped counts as done)', async () => {
    const executor = scriptedExecutor({ junior: [{ output: 'good', confidence: 0.9 }] });
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(teaching, {
      executor,
    });
    expect(result.status).toBe('succeeded');
    expect(result.steps.expert).toMatchObject({ status: 'skipped', reason: 'condition-not-met' });
    expect(result.progress.percent).toBe(100);
    expect(executor.count('expert')).toBe(0);
  });

  it('runs the expert with the junior attempt when the junior is unsure or fails', async () => {
    const executor = scriptedExecutor({ junior: [{ output: 'meh', confidence: 0.4 }] });
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(teaching, {
      executor,
    });
    expect(result.status).toBe('succeeded');
    expect(executor.calls.find((call) => call.agentId === 'expert')!.context.juniorAttempt).toBe(
      'meh',
    );
    const failing = scriptedExecutor({ junior: [new Error('junior crashed')] });
    const second = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(
      compilePlan(
        { strategy: 'teaching', agents: [{ id: 'junior' }, { id: 'expert' }] },
        { tierFallback: false },
      ),
      { executor: failing, escalation: noEscalation },
    );
    expect(second.steps.junior!.status).toBe('failed');
    expect(second.steps.expert!.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
  });

  it('runs only the specialist the adaptive classifier selects', async () => {
    const graph = compilePlan(
      {
        strategy: 'adaptive',
        agents: [
          { id: 'cls', tier: 'CHEAP' },
          { id: 'cheap', tier: 'CHEAP' },
          { id: 'premium', tier: 'PREMIUM' },
        ],
      },
      { tierFallback: false },
    );
    const run = async (script: Parameters<typeof scriptedExecutor>[0]['x']) => {
      const executor = scriptedExecutor({ cls: script! });
      const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(graph, {
        executor,
        escalation: noEscalation,
      });
      return { result, ran: executor.calls.map((call) => call.agentId) };
    };
    expect((await run([{ output: 'easy', confidence: 0.95 }])).ran).toEqual(['cls', 'cheap']);
    expect((await run([{ output: 'hard', confidence: 0.5 }])).ran).toEqual(['cls', 'premium']);
    const failed = await run([new Error('no idea')]);
    expect(failed.ran).toEqual(['cls', 'cheap']);
    expect(failed.result.status).toBe('succeeded');
  });
});

describe('Runtime: a run with its own hooks', () => {
  it('uses the hooks given with the run instead of the graph strategy, also on resume', async () => {
    const dir = tempBatonDir();
    const graph = graphOf(
      [
        { id: 'first' },
        { id: 'second', dependsOn: ['first'] },
        { id: 'third', dependsOn: ['first'] },
      ],
      { strategy: 'workflow-of-its-own' },
    );
    const hooks: GraphHooks = {
      shouldRun: (step) => step.id !== 'third',
      contextFor: (step, view, base) =>
        step.id === 'second' ? { ...base, seen: view.result('first')?.output } : base,
    };
    const controller = new AbortController();
    const executor = scriptedExecutor({});
    // The second step is cancelled while it runs; the first is committed by then.
    let cancelled = false;
    const stopping: typeof executor = Object.assign(
      async (...args: Parameters<typeof executor>) => {
        if (args[0].id === 'second' && !cancelled) {
          cancelled = true;
          controller.abort('stop in the second');
          throw new Error('aborted');
        }
        return executor(...args);
      },
      executor,
    );
    const runtime = new Runtime({ dir, fsync: false });
    const stopped = await runtime.run(graph, {
      executor: stopping,
      hooks,
      signal: controller.signal,
      runId: 'own-hooks',
    });
    expect(stopped.status).toBe('cancelled');
    const resumed = await runtime.resume('own-hooks', { executor, hooks }).result;
    expect(resumed.status).toBe('succeeded');
    expect(resumed.steps.third).toMatchObject({ status: 'skipped', reason: 'condition-not-met' });
    // The first step is not run again; the second sees it through the hook.
    expect(executor.calls.map((call) => call.agentId)).toEqual(['first', 'second']);
    expect(executor.calls[1]!.context.seen).toBe('first done');
  });
});

describe('Runtime: budgets and cost attribution', () => {
  it('refuses to start a step past --max-agents and ends budget-exceeded with partial results', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({});
    const events = new RunEmitter();
    const seen = collect(events);
    const graph = graphOf([
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
    ]);
    const result = await runtime.run(graph, {
      executor,
      events,
      budget: { maxAgents: 2 },
      runId: 'budget-1',
    });
    expect(result.status).toBe('budget-exceeded');
    // The next step needs one more agent (2 committed + 1 > 2), not "0".
    expect(result.budgetStop).toEqual({
      limit: 'maxAgents',
      max: 2,
      committed: 2,
      needed: 1,
      message: '2 agent run(s) started or running, the limit is 2',
    });
    const stop = seen.find((event) => event.type === 'budget-exceeded');
    expect(stop === undefined ? '' : formatEventLine(stop)).toMatch(
      /budget maxAgents reached: 2 agent run\(s\) started or running, the limit is 2$/,
    );
    expect(result.steps.a!.status).toBe('succeeded');
    expect(result.steps.c!.status).toBe('pending');
    expect(result.spend.total.agents).toBe(2);
    expect(seen.some((event) => event.type === 'budget-exceeded')).toBe(true);
    const audit = await runtime.audit!.read({ runId: 'budget-1', type: 'budget-stop' });
    expect(audit).toHaveLength(1);
    // Resuming with a larger budget finishes the remaining step only.
    const resumed = await runtime.resume('budget-1', { executor, budget: { maxAgents: 3 } }).result;
    expect(resumed.status).toBe('succeeded');
    expect(executor.calls.map((call) => call.agentId)).toEqual(['a', 'b', 'c']);
  });

  it('estimates the most a step may cost from maxTokens and prices, and never starts one that could exceed', async () => {
    const executor = scriptedExecutor({
      a: [{ output: 'x', usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.004 } }],
      b: [{ output: 'y', usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.004 } }],
    });
    const agent = (id: string) => ({
      id,
      tier: 'CHEAP' as const,
      resourceRequirements: { maxTokens: 1000 },
    });
    const graph = graphOf([
      { id: 'a', agent: agent('a') },
      { id: 'b', agent: agent('b'), dependsOn: ['a'] },
    ]);
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(graph, {
      executor,
      prices: { CHEAP: 10 }, // $10 per million tokens: each step may cost up to $0.01
      budget: { maxCostUsd: 0.012 }, // a fits (0 + 0.01); b does not (0.004 spent + 0.01)
    });
    expect(result.status).toBe('budget-exceeded');
    expect(result.budgetStop).toMatchObject({ limit: 'maxCostUsd', needed: 0.01 });
    expect(result.spend.total.costUsd).toBeCloseTo(0.004);
    expect(executor.count('b')).toBe(0);
  });

  it('a cost limit that cannot be enforced (no price for an agent) is refused before the run starts', async () => {
    const executor = scriptedExecutor({});
    const graph = graphOf([
      { id: 'a', agent: { id: 'a', tier: 'CHEAP' } },
      { id: 'b', dependsOn: ['a'] },
    ]);
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    expect(() => runtime.start(graph, { executor, budget: { maxCostUsd: 0.01 } })).toThrow(
      'budget.maxCostUsd: cannot be enforced: the cost of a (CHEAP), b is not known before it runs (no price for its model); limit tokens instead (maxTokens, --max-tokens)',
    );
    expect(executor.calls).toEqual([]);
    expect((await runtime.store.list()).runs).toEqual([]);
  });

  it('never runs two agents whose spend is known only afterwards at once under a limit, and stops before one that could pass it', async () => {
    // Agents like coding-agent CLIs: their estimate is not a bound; each spends $0.03.
    let active = 0;
    let peak = 0;
    const spend = async () => {
      active += 1;
      peak = Math.max(peak, active);
      await delay(10);
      active -= 1;
      return { output: 'ok', usage: { inputTokens: 10, outputTokens: 10, costUsd: 0.03 } };
    };
    const executor = scriptedExecutor(
      Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [id, [spend]])),
    );
    const graph = compilePlan(
      {
        strategy: 'parallel',
        agents: ['a', 'b', 'c', 'd'].map((id) => ({ id, tier: 'CHEAP' as const })),
      },
      { tierFallback: false },
    );
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(graph, {
      executor,
      budget: { maxCostUsd: 0.05 },
      estimate: () => ({ costUsd: 0.001, tokens: 100, bounded: false }),
    });
    expect(peak).toBe(1);
    expect(result.status).toBe('budget-exceeded');
    expect(result.spend.total.costUsd).toBeCloseTo(0.03);
    expect(result.budgetStop).toMatchObject({ limit: 'maxCostUsd', needed: 0.03 });
    expect(Object.values(result.steps).filter((step) => step.status === 'succeeded')).toHaveLength(
      1,
    );
  });

  it('ends budget-exceeded, not succeeded, when measured spend passed the limit', async () => {
    const executor = scriptedExecutor({
      a: [{ output: 'x', usage: { inputTokens: 10, outputTokens: 10, costUsd: 0.2 } }],
    });
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(
      graphOf([{ id: 'a', agent: { id: 'a', tier: 'CHEAP' } }]),
      {
        executor,
        budget: { maxCostUsd: 0.1 },
        estimate: () => ({ costUsd: 0.01, bounded: false }),
      },
    );
    expect(result.status).toBe('budget-exceeded');
    expect(result.success).toBe(false);
    expect(result.budgetStop).toMatchObject({ limit: 'maxCostUsd', committed: 0.2 });
  });

  it('attributes cost per step, agent, strategy, tier and parent, summing across parallel steps', async () => {
    const usage = (costUsd: number) => ({
      output: 'ok',
      confidence: 0.9,
      usage: { inputTokens: 10, outputTokens: 5, costUsd },
    });
    const executor = scriptedExecutor({
      pro: [usage(0.01)],
      con: [
        async () => {
          await delay(5);
          return usage(0.02);
        },
      ],
      debate_synthesizer: [usage(0.04)],
    });
    const graph = compilePlan({
      strategy: 'debate',
      agents: [
        { id: 'pro', tier: 'CHEAP' },
        { id: 'con', tier: 'CAPABLE' },
        { id: 'debate_synthesizer', tier: 'PREMIUM', strategyRole: 'synthesizer' },
      ],
    });
    const events = new RunEmitter();
    const seen = collect(events);
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(graph, {
      executor,
      events,
    });
    const spend = result.spend;
    expect(spend.total.costUsd).toBeCloseTo(0.07);
    expect(spend.total.totalTokens).toBe(45);
    expect(spend.byStep.con!.costUsd).toBeCloseTo(0.02);
    expect(spend.byTier.PREMIUM!.costUsd).toBeCloseTo(0.04);
    expect(spend.byStrategy.debate!.costUsd).toBeCloseTo(0.07);
    expect(spend.byParent['debate.opinions']!.costUsd).toBeCloseTo(0.03);
    const deltas = seen.reduce((sum, event) => sum + (event.costDeltaUsd ?? 0), 0);
    expect(deltas).toBeCloseTo(0.07);
    expect(spend.total.unpricedAttempts).toBe(0);
  });

  it('says when cost could not be measured instead of reporting a silent zero', async () => {
    const executor = scriptedExecutor({
      a: [{ output: 'x', usage: { inputTokens: 3, outputTokens: 4 } }],
      b: [{ output: 'y' }],
    });
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(
      graphOf([{ id: 'a' }, { id: 'b' }]),
      { executor },
    );
    expect(result.spend.total).toMatchObject({
      totalTokens: 7,
      unpricedAttempts: 1,
      unmeasuredAttempts: 1,
    });
  });
});

describe('Runtime: audit of planning decisions', () => {
  it('records composition reuse, the strategy and the plan source when a run starts', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    await runtime.run(compilePlan({ strategy: 'parallel', agents: [{ id: 'a' }] }), {
      executor: scriptedExecutor({}),
      runId: 'audit-1',
      planning: {
        composition: {
          decision: 'reused',
          reason: 'success rate 0.9 >= 0.8',
          compositionId: 'c-7',
        },
        strategyReason: 'parallelizable task',
        source: 'plan',
      },
    });
    const entries = await runtime.audit!.read({ runId: 'audit-1' });
    expect(entries.slice(0, 3).map((entry) => entry.message)).toEqual([
      'composition reused (c-7): success rate 0.9 >= 0.8',
      'strategy parallel chosen: parallelizable task',
      'plan from plan',
    ]);
    expect(entries.at(-1)!.type).toBe('run-end');
  });
});

describe('Runtime: checking executor answers', () => {
  it('fails a step whose executor answers with a bad field, naming it, and never invents a confidence', async () => {
    const executor = scriptedExecutor({
      bad: [{ output: 'x', confidence: 7 }],
      usage: [{ output: 'y', usage: { inputTokens: -1, outputTokens: 0 } }],
      silent: [{ output: 'z' }],
    });
    const result = await new Runtime({ dir: tempBatonDir(), fsync: false }).run(
      graphOf([{ id: 'bad' }, { id: 'usage' }, { id: 'silent' }]),
      { executor, escalation: noEscalation },
    );
    expect(result.steps.bad).toMatchObject({ status: 'failed', reason: 'agent-reported' });
    expect(result.steps.bad!.result!.error).toBe(
      'Agent "bad" returned invalid output: confidence: must be a number from 0 to 1 (got 7)',
    );
    expect(result.steps.usage!.result!.error).toMatch(
      /^Agent "usage" returned invalid output: usage\.inputTokens: /,
    );
    // Nobody reported a confidence: it is unknown, not 0.
    expect(result.steps.silent!.result).toMatchObject({ success: true, confidence: null });
    expect(result.spend.total.totalTokens).toBe(0);
  });
});

describe('Runtime.startTask', () => {
  it('goes through analyzing and planning with real work, recorded in the run history', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const events = new RunEmitter();
    const seen = collect(events);
    const handle = runtime.startTask('document the API', {
      executor: scriptedExecutor({}),
      events,
      runId: 'task-1',
      analyze: async (task) => ({
        domain: task.includes('document') ? 'documentation' : 'general',
      }),
      plan: ({ task, analysis }) => ({
        graph: graphOf([{ id: 'write', input: { analysis } }], { task }),
        source: 'heuristic',
        reason: 'no planner model configured',
      }),
    });
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    const record = await runtime.store.loadRun('task-1');
    expect(record.task).toBe('document the API');
    expect(record.history.map((entry) => entry.trigger)).toEqual([
      'start',
      'plan',
      'execute',
      'monitor',
      'complete',
      'finish',
    ]);
    expect(record.history[0]!.data).toEqual({ task: 'document the API' });
    expect(record.history[1]!.data).toEqual({ analysis: { domain: 'documentation' } });
    const states = seen.flatMap((event) => (event.type === 'state-change' ? [event.to] : []));
    expect(states.slice(0, 4)).toEqual(['analyzing', 'planning', 'executing', 'monitoring']);
    const audit = await runtime.audit!.read({ runId: 'task-1', type: 'plan' });
    expect(audit[0]!.message).toBe('plan from heuristic: no planner model configured');
  });

  it('can be cancelled while planning; nothing is stored', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    let planning = false;
    const handle = runtime.startTask('slow planning', {
      executor: scriptedExecutor({}),
      runId: 'task-2',
      plan: async ({ signal }) => {
        planning = true;
        await delay(5000, { signal });
        return graphOf([{ id: 'never' }]);
      },
    });
    await waitFor(() => planning);
    handle.cancel('changed my mind');
    await expect(handle.result).rejects.toThrow('Run cancelled: changed my mind');
    await expect(runtime.store.loadRun('task-2')).rejects.toThrow('No run "task-2"');
    expect(() =>
      runtime.startTask('', { executor: scriptedExecutor({}), plan: () => graphOf([{ id: 'a' }]) }),
    ).toThrow('task: must be a non-empty string');
  });
});

describe('Runtime: step context', () => {
  it('gives agents the same context keys as the strategies', async () => {
    const executor = scriptedExecutor({
      a: [{ output: 'A', confidence: 0.9 }],
      b: [{ output: 'B', confidence: 0.9 }],
      c: [{ output: 'C', confidence: 0.9 }],
      pro: [{ output: 'yes', confidence: 0.8 }],
      con: [{ output: 'no', confidence: 0.6 }],
      judge: [{ output: 'maybe', confidence: 0.9 }],
    });
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    await runtime.run(
      compilePlan({ strategy: 'sequential', agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }),
      {
        executor,
        context: { repo: 'x' },
      },
    );
    const third = executor.calls.find((call) => call.agentId === 'c')!.context;
    expect(third).toMatchObject({ repo: 'x', a: 'A', b: 'B' });
    await runtime.run(
      compilePlan({ strategy: 'refinement', agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }),
      {
        executor,
      },
    );
    const polisher = executor.calls.filter((call) => call.agentId === 'c').at(-1)!.context;
    expect(polisher).toMatchObject({ previousOutput: 'B', stageOutputs: ['A', 'B'] });
    await runtime.run(
      compilePlan({
        strategy: 'debate',
        agents: [{ id: 'pro' }, { id: 'con' }, { id: 'judge', strategyRole: 'synthesizer' }],
      }),
      { executor },
    );
    const judge = executor.calls.find((call) => call.agentId === 'judge')!.context;
    expect((judge.opinions as Array<{ output: unknown }>).map((opinion) => opinion.output)).toEqual(
      ['yes', 'no'],
    );
    expect(judge.consensus).toEqual({
      consensusReached: true,
      successVotes: 2,
      totalVotes: 2,
      avgConfidence: 0.7,
    });
  });
});

describe('Runtime: engine errors', () => {
  it('stops with a failed, resumable run when a checkpoint cannot be written', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false, retention: false });
    const checkpointer = runtime.checkpointer;
    const original = checkpointer.commitStep.bind(checkpointer);
    let calls = 0;
    checkpointer.commitStep = (runId, checkpoint, events) => {
      calls += 1;
      if (calls === 2) throw new Error('disk full');
      return original(runId, checkpoint, events);
    };
    const executor = scriptedExecutor({});
    const result = await runtime.run(
      graphOf([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }]),
      {
        executor,
        runId: 'disk-1',
      },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toBe('engine error: disk full');
    expect((await runtime.store.list()).runs[0]).toMatchObject({ id: 'disk-1', resumable: true });
    checkpointer.commitStep = original;
    const resumed = await runtime.resume('disk-1', { executor }).result;
    expect(resumed.status).toBe('succeeded');
    expect(executor.count('a')).toBe(1);
    expect(executor.count('b')).toBe(2);
  });
});
