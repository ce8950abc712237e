import type { RunEvent } from '@baton/core';
import type { TaskInfo } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import {
  attemptsSpend,
  clock,
  count,
  eventLine,
  eventSpend,
  rate,
  spendText,
  taskSpend,
  usd,
} from './format.js';

const task = (fields: Partial<TaskInfo>): TaskInfo =>
  ({ status: 'running', spend: null, result: null, ...fields }) as TaskInfo;

describe('figures on the dashboard', () => {
  it('says unknown where the API has no figure, and shows the ones it has as they are', () => {
    expect([usd(null), count(undefined), rate(null)]).toEqual(['unknown', 'unknown', 'unknown']);
    expect([usd(0.0012), count(12345), rate(2 / 3), rate(1)]).toEqual([
      '$0.0012',
      '12,345',
      '66.7%',
      '100%',
    ]);
  });

  it('never passes a partial sum off as the total', () => {
    expect(spendText({ tokens: 30, costUsd: 0.5, unpriced: 0, unmeasured: 0 })).toEqual({
      tokens: '30',
      cost: '$0.5000',
    });
    expect(spendText({ tokens: 30, costUsd: 0.5, unpriced: 1, unmeasured: 0 })).toEqual({
      tokens: '30',
      cost: 'unknown (at least $0.5000 priced)',
    });
    expect(spendText({ tokens: 30, costUsd: 0, unpriced: 0, unmeasured: 1 })).toEqual({
      tokens: 'unknown (at least 30 measured)',
      cost: 'unknown (at least $0.0000 priced)',
    });
    expect(attemptsSpend([{ usage: { inputTokens: 1, outputTokens: 2, costUsd: 0.25 } }])).toEqual({
      tokens: '3',
      cost: '$0.2500',
    });
  });

  it("takes a task's spend from its run report, else its events, else its own figures", () => {
    const totals = {
      totalTokens: 40,
      costUsd: null,
      pricedCostUsd: 0.1,
      unpricedAttempts: 1,
      unmeasuredAttempts: 0,
    };
    expect(taskSpend(task({ result: { totals, agents: [] } }), [])).toEqual({
      tokens: '40',
      cost: 'unknown (at least $0.1000 priced)',
    });
    const usage = {
      type: 'step-usage',
      usage: { inputTokens: 5, outputTokens: 5 },
      runTokens: 10,
      runCostUsd: 0,
    } as unknown as RunEvent;
    expect(eventSpend([usage])).toEqual({ tokens: 10, costUsd: 0, unpriced: 1, unmeasured: 0 });
    expect(taskSpend(task({}), [usage]).cost).toBe('unknown (at least $0.0000 priced)');
    expect(taskSpend(task({ status: 'queued' }), [])).toEqual({ tokens: '-', cost: '-' });
    expect(taskSpend(task({ spend: { tokens: 7, costUsd: 0.01 } }), [])).toEqual({
      tokens: '7',
      cost: '$0.0100 priced so far',
    });
  });

  it('writes one log line per event, with unknown for an unpriced cost', () => {
    const base = { runId: 'r', seq: 1, timestamp: '2026-01-01T00:00:00.000Z', stepId: 'review' };
    const lines = (
      [
        { type: 'run-start', resumed: true, totalSteps: 2, finishedSteps: 1 },
        { type: 'step-start', label: 'review', via: 'tier PREMIUM', tier: 'PREMIUM', attempt: 1 },
        {
          type: 'step-usage',
          usage: { inputTokens: 1000, outputTokens: 200 },
          attempt: 1,
          via: 'primary',
          runCostUsd: 0,
          runTokens: 1200,
        },
        { type: 'step-retry', attempt: 2, delayMs: 500, error: 'rate limited' },
        { type: 'step-fallback', from: 'primary', to: 'tier PREMIUM', error: 'timed out' },
        {
          type: 'step-end',
          status: 'failed',
          result: { error: 'no answer' },
          attempts: [],
          endedAt: '',
          runAttempt: 1,
          progress: { percent: 50 },
        },
        { type: 'decision-pending', decision: { id: 'd-1', kind: 'escalation', reason: 'failed' } },
        { type: 'decision-resolved', decision: { id: 'd-1', status: 'approved', note: 'go' } },
        { type: 'budget-exceeded', limit: 'maxTokens', message: 'over' },
        { type: 'run-notice', message: 'a note' },
        { type: 'state-change', from: 'idle', to: 'analyzing', trigger: 'start' },
        { type: 'phase-start', phase: 'debate.opinions' },
        { type: 'run-end', status: 'paused', durationSeconds: 2.25 },
      ] as const
    ).map((fields) => eventLine({ ...base, ...fields } as unknown as RunEvent));
    expect(lines).toEqual([
      'run resumed: 2 steps',
      'step review started [PREMIUM] via tier PREMIUM',
      'step review used 1,200 tokens, cost unknown',
      'step review retry 2 in 500 ms: rate limited',
      'step review falls back from primary to tier PREMIUM: timed out',
      'step review failed: no answer (50%)',
      'decision d-1 (escalation) pending: failed',
      'decision d-1 approved: go',
      'budget maxTokens reached: over',
      'note: a note',
      'state idle -> analyzing (start)',
      'phase debate.opinions',
      'run paused after 2.3 s',
    ]);
    expect(clock(null)).toBe('-');
    expect(clock('not a time')).toBe('not a time');
  });
});
