import type { RunEvent } from '@baton/core';
import type { TaskInfo } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { attemptsSpend, count, eventSpend, rate, spendText, taskSpend, usd } from './format.js';

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
});
