import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CostLedger,
  computeProgress,
  estimateAgentCost,
  formatEventLine,
  formatProgressBar,
  isRetryableError,
  RetryableError,
  RunEmitter,
  retryAfterMsOf,
} from '@baton/core';
import { describe, expect, it } from 'vitest';
import { JsonlEventWriter } from './events.js';
import { Runtime } from './runtime.js';
import { graphOf, scriptedExecutor, tempBatonDir } from './test-helpers.js';

describe('events', () => {
  it('JsonlEventWriter writes the whole stream (--events jsonl) and formatEventLine renders plain lines', async () => {
    const dir = tempBatonDir();
    const path = join(dirname(dir), 'out', 'events.jsonl');
    const events = new RunEmitter();
    const writer = new JsonlEventWriter(path);
    const detach = writer.attach(events);
    const lines: string[] = [];
    events.on('event', (event) => lines.push(formatEventLine(event)));
    await new Runtime({ dir, fsync: false }).run(graphOf([{ id: 'a' }]), {
      executor: scriptedExecutor({
        a: [
          {
            output: 'x',
            confidence: 0.8,
            usage: { inputTokens: 1, outputTokens: 2, costUsd: 0.5 },
          },
        ],
      }),
      events,
      runId: 'ev-1',
    });
    detach();
    await writer.close();
    const written = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(written.map((event) => event.type)).toEqual([
      'state-change',
      'state-change',
      'state-change',
      'state-change',
      'run-start',
      'step-start',
      'step-usage',
      'step-end',
      'state-change',
      'state-change',
      'run-end',
    ]);
    expect(written[6]).toMatchObject({
      runId: 'ev-1',
      stepId: 'a',
      agentId: 'a',
      costDeltaUsd: 0.5,
      tokensDelta: 3,
    });
    expect(lines).toContain('[run ev-1] step a: 3 tokens +$0.5000');
    expect(lines.find((line) => line.includes('step a: succeeded'))).toMatch(
      /\(confidence 0.80, \d+\.\ds\) 100%$/,
    );
    expect(lines.at(-1)).toMatch(/^\[run ev-1\] succeeded after \d+\.\ds, 1\/1 steps, \$0\.5000$/);
  });

  it('a run with an attempt that reported no usage ends with its cost and tokens unknown, not a sum', async () => {
    const dir = tempBatonDir();
    const events = new RunEmitter();
    const lines: string[] = [];
    events.on('event', (event) => lines.push(formatEventLine(event)));
    const runtime = new Runtime({ dir, fsync: false });
    await runtime.run(graphOf([{ id: 'a' }, { id: 'b' }]), {
      executor: scriptedExecutor({
        a: [{ output: 'x', usage: { inputTokens: 1, outputTokens: 2, costUsd: 0.5 } }],
        b: [{ output: 'y' }],
      }),
      events,
      runId: 'ev-2',
    });
    expect(lines.at(-1)).toMatch(
      /^\[run ev-2\] succeeded after \d+\.\ds, 2\/2 steps, cost unknown \(at least \$0\.5000 priced\)$/,
    );
    const [end] = await runtime.audit!.read({ runId: 'ev-2', type: 'run-end' });
    expect(end?.message).toBe(
      'run succeeded: 2/2 steps, cost unknown (at least $0.500000 priced), tokens unknown (at least 3 measured) (1 attempts reported no usage)',
    );
  });
});

describe('progress', () => {
  it('derives percentages from the graph, counting skipped steps as done', () => {
    const graph = graphOf([
      { id: 'a', estimatedDurationSeconds: 10 },
      { id: 'b', estimatedDurationSeconds: 30 },
      { id: 'c', estimatedDurationSeconds: 60 },
    ]);
    const progress = computeProgress(graph, { a: 'succeeded', b: 'skipped', c: 'running' });
    expect(progress).toMatchObject({
      total: 3,
      done: 2,
      running: 1,
      percent: 66.7,
      weightedPercent: 40,
    });
    expect(computeProgress(graphOf([{ id: 'a' }]), {}).weightedPercent).toBeUndefined();
    expect(formatProgressBar(60, { width: 10 })).toBe('[██████░░░░] 60.0%');
  });
});

describe('budget helpers', () => {
  it('estimates from maxTokens and the tier price, leaving unknowns undefined', () => {
    expect(
      estimateAgentCost(
        { tier: 'PREMIUM', resourceRequirements: { maxTokens: 2000 } },
        { PREMIUM: 15 },
      ),
    ).toEqual({
      tokens: 2000,
      costUsd: 0.03,
    });
    expect(estimateAgentCost({ tier: 'CHEAP' }, { CHEAP: 1 })).toEqual({
      tokens: undefined,
      costUsd: undefined,
    });
    expect(
      estimateAgentCost({ resourceRequirements: { maxTokens: 10 } }, {}).costUsd,
    ).toBeUndefined();
  });

  it('sums a ledger by dimension', () => {
    const ledger = new CostLedger();
    ledger.record({
      stepId: 's',
      agentId: 'a',
      tier: 'CHEAP',
      newAgent: true,
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0.25 },
    });
    ledger.record({
      stepId: 's',
      agentId: 'a',
      tier: 'CHEAP',
      newAgent: false,
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0.5 },
    });
    const report = ledger.report();
    expect(report.total).toMatchObject({ costUsd: 0.75, agents: 1, totalTokens: 4 });
    expect(report.byStep.s!.costUsd).toBe(0.75);
  });
});

describe('retryable errors', () => {
  it('classifies errors and reads Retry-After from several header shapes', () => {
    expect(isRetryableError(new RetryableError('x'))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { status: 503 }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { statusCode: 400 }))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(
      isRetryableError(new Error('x', { cause: Object.assign(new Error('y'), { status: 429 }) })),
    ).toBe(true);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(
      isRetryableError(Object.assign(new Error('x'), { isRetryable: false, statusCode: 503 })),
    ).toBe(false);
    expect(retryAfterMsOf(new RetryableError('x', { retryAfterMs: 250 }))).toBe(250);
    expect(retryAfterMsOf({ headers: new Headers({ 'Retry-After': '2' }) })).toBe(2000);
    expect(retryAfterMsOf({ response: { headers: { 'retry-after': '1.5' } } })).toBe(1500);
    expect(retryAfterMsOf({ headers: {} })).toBeUndefined();
  });
});
