import { type AgentReport, type RunReport, usd } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { formatRunReport } from './format-report.js';

function agent(overrides: Partial<AgentReport>): AgentReport {
  return {
    stepId: 'code_reviewer',
    agentId: 'code_reviewer',
    status: 'succeeded',
    reason: null,
    tier: 'CAPABLE',
    via: 'primary',
    answeredBy: null,
    attempts: 1,
    durationSeconds: 0.1,
    inputTokens: 100,
    outputTokens: 10,
    totalTokens: 110,
    costUsd: 0.000021,
    confidence: null,
    model: 'gpt-4o-mini',
    summary: null,
    error: null,
    notes: [],
    ...overrides,
  };
}

function report(agents: AgentReport[]): RunReport {
  return {
    runId: 'r1',
    status: 'failed',
    success: false,
    task: 'review the code',
    strategy: 'parallel',
    composition: null,
    plan: null,
    agents,
    totals: {
      agents: 1,
      inputTokens: 100,
      outputTokens: 10,
      totalTokens: 110,
      costUsd: 0.000021,
      pricedCostUsd: 0.000021,
      unpricedAttempts: 0,
      unmeasuredAttempts: 0,
      notes: [],
    },
    budget: {},
    budgetStop: null,
    pendingDecisions: [],
    outcome: null,
    notices: [],
    durationSeconds: 0.1,
    error: null,
    runDir: '/tmp/r1',
    eventsFile: null,
    next: [],
  };
}

describe('formatRunReport', () => {
  it('gives a failed agent its reason, not its unparsed text as if it were a result', () => {
    const text = formatRunReport(
      report([
        agent({
          status: 'failed',
          reason: 'agent-reported',
          summary: 'I think the code is fine.',
          error: "The model's answer did not match the expected format: no JSON object",
        }),
      ]),
    );
    expect(text).toContain(
      "code_reviewer: error: The model's answer did not match the expected format: no JSON object (answer: I think the code is fine.)",
    );
  });

  it('shows a measured cost below $0.0001 with its digits, never as $0.0000', () => {
    const text = formatRunReport(report([agent({ status: 'succeeded', summary: 'ok' })]));
    expect(text).toMatch(/code_reviewer\s+succeeded\s+CAPABLE\s+0\.1s\s+110\s+\$0\.000021/);
    expect(text).toContain('cost $0.000021');
    expect(text).not.toContain('$0.0000 ');
  });

  it('says which plan ran with --decompose and why', () => {
    const text = formatRunReport({
      ...report([agent({ status: 'succeeded', summary: 'ok' })]),
      plan: {
        source: 'heuristic',
        reason: 'planner.steps: dependency cycle: a -> b -> a; used the heuristic plan',
        planner: null,
      },
    });
    expect(text).toContain(
      'Plan: heuristic (planner.steps: dependency cycle: a -> b -> a; used the heuristic plan)',
    );
    expect(formatRunReport(report([]))).not.toContain('Plan:');
  });

  it("lists the run's notices, and says nothing of them when there are none", () => {
    const notice =
      'step a3: Agent a3 was run again on worker w2: the worker that had it stopped mid-call';
    const text = formatRunReport({ ...report([]), notices: [notice] });
    expect(text).toContain(`Notices:\n  ${notice}`);
    expect(formatRunReport(report([]))).not.toContain('Notices:');
  });
});

describe('formatRunReport totals', () => {
  it('says tokens are unknown, not 0, when attempts reported no usage', () => {
    const base = report([
      agent({ status: 'failed', error: 'every CLI failed', totalTokens: null }),
    ]);
    const text = formatRunReport({
      ...base,
      totals: {
        ...base.totals,
        agents: 2,
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
        costUsd: null,
        pricedCostUsd: 0,
        unmeasuredAttempts: 2,
      },
    });
    expect(text).toContain(
      'Total: 2 agent run(s), tokens unknown (at least 0 measured), cost unknown (at least $0.0000 priced)',
    );
    expect(text).not.toContain('0 tokens');
  });
});

describe('formatRunReport budget stop', () => {
  it('says the next step needs an amount not known in advance instead of 0', () => {
    const text = formatRunReport({
      ...report([agent({ summary: 'ok' })]),
      status: 'budget-exceeded',
      budgetStop: { limit: 'maxCostUsd', max: 0.01, committed: 0.02 },
    });
    expect(text).toContain(
      'Budget: maxCostUsd 0.01 reached (committed 0.02, next step needs an amount not known in advance); partial results above',
    );
  });
});

describe('usd', () => {
  it('prints 4 decimals, two significant digits below a hundredth of a cent, unknown for null', () => {
    expect(usd(0.0005253)).toBe('$0.0005');
    expect(usd(0.000042)).toBe('$0.000042');
    expect(usd(4.2e-7)).toBe('$0.00000042');
    expect(usd(0)).toBe('$0.0000');
    expect(usd(null)).toBe('unknown');
  });
});
