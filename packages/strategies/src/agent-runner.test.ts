import {
  BatonEmitter,
  type BatonEventMap,
  type Logger,
  type RunEvent,
  TimeoutError,
} from '@baton/core';
import { describe, expect, it, vi } from 'vitest';
import { runAgent } from './agent-runner.js';
import {
  after,
  agent,
  type Behaviour,
  hangs,
  honoursSignal,
  scriptedExecutor,
  type TestAgent,
  throws,
} from './test-helpers.js';

function run(
  target: TestAgent,
  behaviour: Behaviour,
  options: Partial<Parameters<typeof runAgent<TestAgent>>[2]> = {},
) {
  const { executor, calls } = scriptedExecutor({ [target.id]: behaviour });
  return { calls, result: runAgent(target, { task: 't' }, { executor, ...options }) };
}

describe('runAgent', () => {
  it('passes output, confidence and usage through and measures the duration', async () => {
    const usage = { inputTokens: 10, outputTokens: 5, costUsd: 0.001, model: 'm' };
    const { result } = run(
      agent('a'),
      after(30, { output: { text: 'hi' }, confidence: 0.75, usage }),
    );
    expect(await result).toEqual({
      agentId: 'a',
      success: true,
      output: { text: 'hi' },
      confidence: 0.75,
      durationSeconds: expect.any(Number),
      error: '',
      usage,
    });
    const { durationSeconds } = await result;
    expect(durationSeconds).toBeGreaterThanOrEqual(0.025);
    expect(durationSeconds).toBeLessThan(1);
  });

  it('reports an unknown confidence (null) when the executor reports none, never 0', async () => {
    const { result } = run(agent('a'), () => ({ output: 'x' }));
    expect(await result).toMatchObject({ success: true, confidence: null, output: 'x' });
    const reportedNull = run(agent('b'), () => ({ output: 'y', confidence: null }));
    expect(await reportedNull.result).toMatchObject({ success: true, confidence: null });
  });

  it('keeps a reported failure with its error text and reported confidence', async () => {
    const { result } = run(agent('a'), () => ({
      output: 'partial',
      success: false,
      confidence: 0.3,
      error: 'quota exceeded',
    }));
    expect(await result).toMatchObject({
      success: false,
      output: 'partial',
      confidence: 0.3,
      error: 'Agent "a" reported failure: quota exceeded',
    });
  });

  it('turns a throw into a failed result with the error text', async () => {
    const { result } = run(agent('a'), throws('boom'));
    expect(await result).toMatchObject({
      agentId: 'a',
      success: false,
      confidence: null,
      error: 'Agent "a" failed: boom',
    });
  });

  it('turns a synchronous throw of a non-async executor into a failed result', async () => {
    const executor = () => {
      throw new Error('not even a promise');
    };
    expect(await runAgent(agent('a'), {}, { executor })).toMatchObject({
      success: false,
      error: 'Agent "a" failed: not even a promise',
    });
  });

  it('rejects bad input naming the field, without calling the executor', async () => {
    const { executor, calls } = scriptedExecutor();
    await expect(runAgent({ id: ' ' }, {}, { executor })).rejects.toThrow(
      'agent.id: must be a non-empty string',
    );
    await expect(runAgent(agent('a'), [] as never, { executor })).rejects.toThrow(
      'context: must be an object',
    );
    await expect(runAgent(agent('a'), {}, {} as never)).rejects.toThrow(
      'executor: must be a function',
    );
    await expect(runAgent(agent('a'), {}, { executor, defaultTimeoutSeconds: -1 })).rejects.toThrow(
      'defaultTimeoutSeconds: must be a number > 0 (got -1)',
    );
    expect(calls).toHaveLength(0);
  });

  it('times out an executor that ignores its signal, promptly', async () => {
    const started = performance.now();
    const { result, calls } = run(agent('slow', { timeoutSeconds: 0.05 }), hangs);
    const settled = await result;
    expect(settled).toMatchObject({
      success: false,
      confidence: null,
      error: 'Agent "slow" timed out after 0.05s',
    });
    expect(settled.durationSeconds).toBeGreaterThanOrEqual(0.045);
    expect(performance.now() - started).toBeLessThan(500);
    expect(calls[0]!.signal.aborted).toBe(true);
  });

  it('aborts the signal of an executor that honours it when the time limit passes', async () => {
    const { result, calls } = run(agent('slow', { timeoutSeconds: 0.05 }), honoursSignal);
    expect((await result).error).toBe('Agent "slow" timed out after 0.05s');
    const signal = calls[0]!.signal;
    expect(signal.aborted).toBe(true);
    expect(TimeoutError.isInstance(signal.reason)).toBe(true);
  });

  it('uses defaultTimeoutSeconds for an agent that sets no time limit', async () => {
    const { result } = run(agent('free'), hangs, { defaultTimeoutSeconds: 0.05 });
    expect((await result).error).toBe('Agent "free" timed out after 0.05s');
  });

  it('treats a limit beyond what a timer can wait (about 24.8 days) as no limit', async () => {
    const { result } = run(
      agent('patient', { timeoutSeconds: 3_000_000 }),
      after(20, { output: 'done' }),
    );
    expect(await result).toMatchObject({ success: true, output: 'done' });
  });

  it('rejects an out-of-range confidence, naming the field and keeping the output', async () => {
    const { result } = run(agent('a'), () => ({ output: 'kept', confidence: 85 }));
    expect(await result).toMatchObject({
      success: false,
      output: 'kept',
      confidence: null,
      error: 'Agent "a" returned invalid output: confidence: must be a number from 0 to 1 (got 85)',
    });
  });

  it('rejects invalid usage and a non-boolean success, naming the fields', async () => {
    const { result } = run(agent('a'), () => ({
      output: 1,
      success: 'yes' as unknown as boolean,
      usage: { inputTokens: -1, outputTokens: 2 },
    }));
    const { error, success } = await result;
    expect(success).toBe(false);
    expect(error).toContain('success: must be a boolean (got "yes")');
    expect(error).toContain('usage.inputTokens:');
  });

  it('rejects an answer that is not an object', async () => {
    const { result } = run(agent('a'), () => 'just text' as never);
    expect((await result).error).toMatch(
      /^Agent "a" returned invalid output: the executor must resolve with an object .* \(got string\)$/,
    );
  });

  it('aborts a running agent through its signal and records the abort', async () => {
    const controller = new AbortController();
    const { result, calls } = run(agent('a'), honoursSignal, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await result).toMatchObject({ success: false, error: 'Agent "a" was aborted' });
    expect(calls[0]!.signal.aborted).toBe(true);
  });

  it('settles on abort even when the executor ignores its signal, naming a custom reason', async () => {
    const controller = new AbortController();
    const { result } = run(agent('a'), hangs, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 20);
    expect((await result).error).toBe('Agent "a" was aborted: user pressed Ctrl-C');
  });

  it('does not start an agent when the signal is already aborted', async () => {
    const { result, calls } = run(agent('a'), () => ({ output: 1 }), {
      signal: AbortSignal.abort(),
    });
    expect(await result).toMatchObject({
      success: false,
      durationSeconds: 0,
      error: 'Agent "a" was not started: the run was aborted',
    });
    expect(calls).toHaveLength(0);
  });

  it('gives the executor a copy of the context', async () => {
    const context = { list: [1], value: 'original' };
    const { executor } = scriptedExecutor({
      a: (received) => {
        received.value = 'changed';
        received.extra = true;
        return { output: null };
      },
    });
    await runAgent(agent('a'), context, { executor });
    expect(context).toEqual({ list: [1], value: 'original' });
  });

  it('emits step-start, step-usage and step-end of one run, with ISO timestamps and rising seq', async () => {
    const events = new BatonEmitter();
    const seen: Array<[keyof BatonEventMap, RunEvent]> = [];
    for (const name of ['step-start', 'step-usage', 'step-end'] as const) {
      events.on(name, (event: RunEvent) => seen.push([name, event]));
    }
    const usage = { inputTokens: 1, outputTokens: 2 };
    const { result } = run(agent('a', { tier: 'CHEAP' }), () => ({ output: 'o', usage }), {
      events,
    });
    const settled = await result;
    expect(seen.map(([name]) => name)).toEqual(['step-start', 'step-usage', 'step-end']);
    expect(seen[0]![1]).toMatchObject({
      agentId: 'a',
      tier: 'CHEAP',
      via: 'primary',
      attempt: 1,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(seen[1]![1]).toMatchObject({ agentId: 'a', usage, tokensDelta: 3 });
    expect(seen[2]![1]).toMatchObject({ agentId: 'a', status: 'succeeded', result: settled });
    const runIds = new Set(seen.map(([, event]) => event.runId));
    expect(runIds.size).toBe(1);
    const seqs = seen.map(([, event]) => event.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  });

  it('logs a throwing event listener instead of failing the agent', async () => {
    const events = new BatonEmitter();
    events.on('step-start', () => {
      throw new Error('listener bug');
    });
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const { result } = run(agent('a'), () => ({ output: 'fine' }), { events, logger });
    expect((await result).success).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith('An event listener threw', {
      type: 'step-start',
      error: 'listener bug',
    });
  });
});
