// One set of strategy semantics (BEHAVIOUR.md §4): every case runs in memory through the
// strategy classes of @baton/strategies and durably through the Runtime (file checkpointer), and
// both must agree on who ran, what each answered, the aggregate and the verdict.
import type { AgentExecutionOutput, CompositionPattern, Tier } from '@baton/core';
import { getStrategy } from '@baton/strategies';
import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile-plan.js';
import { Runtime } from './runtime.js';
import { tempBatonDir } from './test-helpers.js';

type Answer = AgentExecutionOutput | Error;

interface Case {
  name: string;
  strategy: CompositionPattern;
  team: Array<{ id: string; tier?: Tier; strategyRole?: string }>;
  answers: Record<string, Answer>;
  /** What both modes must report. */
  expected: { success: boolean; ran: string[]; aggregate: Record<string, unknown> };
  /** Steps whose failure the strategy recovers from: nobody may be asked about them. */
  recoverable?: boolean;
}

const ok = (output: unknown, confidence?: number): AgentExecutionOutput =>
  confidence === undefined ? { output } : { output, confidence };

const cases: Case[] = [
  {
    name: 'sequential keeps going after a failure and passes successes on',
    strategy: 'sequential',
    team: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    answers: { a: ok('A', 0.9), b: new Error('disk full'), c: ok('C', 0.5) },
    expected: {
      success: false,
      ran: ['a', 'b', 'c'],
      aggregate: {
        numAgents: 3,
        allSucceeded: false,
        avgConfidence: 0.7,
        outputs: ['A', undefined, 'C'],
      },
    },
  },
  {
    name: 'parallel: a failure does not cancel the others; success needs every agent',
    strategy: 'parallel',
    team: [{ id: 'a' }, { id: 'b' }],
    answers: { a: ok('A', 1), b: { output: 'partial', success: false, error: 'quota' } },
    expected: {
      success: false,
      ran: ['a', 'b'],
      aggregate: { numAgents: 2, allSucceeded: false, avgConfidence: 1, outputs: ['A', 'partial'] },
    },
  },
  {
    name: 'debate: a strict majority is a consensus; the synthesizer runs on the successful opinions',
    strategy: 'debate',
    team: [{ id: 'p' }, { id: 'q' }, { id: 'r' }, { id: 's', strategyRole: 'synthesizer' }],
    answers: {
      p: ok('yes', 0.8),
      q: new Error('no data'),
      r: ok('yes', 0.6),
      s: ok('merged', 0.9),
    },
    expected: {
      success: true,
      ran: ['p', 'q', 'r', 's'],
      aggregate: {
        debateParticipants: ['p', 'q', 'r'],
        opinions: ['yes', undefined, 'yes'],
        consensus: { consensusReached: true, successVotes: 2, totalVotes: 3, avgConfidence: 0.7 },
        synthesis: 'merged',
      },
    },
    recoverable: true,
  },
  {
    name: 'debate: one success out of two is no consensus',
    strategy: 'debate',
    team: [{ id: 'p' }, { id: 'q' }],
    answers: { p: ok('yes', 0.5), q: new Error('no data') },
    expected: {
      success: false,
      ran: ['p', 'q'],
      aggregate: {
        debateParticipants: ['p', 'q'],
        opinions: ['yes', undefined],
        consensus: { consensusReached: false, successVotes: 1, totalVotes: 2, avgConfidence: 0.5 },
      },
    },
    recoverable: true,
  },
  {
    name: 'debate: no synthesizer when no opinion succeeded',
    strategy: 'debate',
    team: [{ id: 'p' }, { id: 'q' }, { id: 's', strategyRole: 'synthesizer' }],
    answers: { p: new Error('x'), q: new Error('y') },
    expected: {
      success: false,
      ran: ['p', 'q'],
      aggregate: {
        debateParticipants: ['p', 'q'],
        opinions: [undefined, undefined],
        consensus: { consensusReached: false, successVotes: 0, totalVotes: 2, avgConfidence: null },
      },
    },
    recoverable: true,
  },
  {
    name: 'teaching: a confident junior stands',
    strategy: 'teaching',
    team: [
      { id: 'junior', tier: 'CHEAP' },
      { id: 'expert', tier: 'PREMIUM' },
    ],
    answers: { junior: ok('draft', 0.9) },
    expected: {
      success: true,
      ran: ['junior'],
      aggregate: { outcome: 'junior_success', juniorOutput: 'draft' },
    },
  },
  {
    name: 'teaching: a junior that reports no confidence hands over to the expert',
    strategy: 'teaching',
    team: [
      { id: 'junior', tier: 'CHEAP' },
      { id: 'expert', tier: 'PREMIUM' },
    ],
    answers: { junior: ok('draft'), expert: ok('final', 0.95) },
    expected: {
      success: true,
      ran: ['junior', 'expert'],
      aggregate: { outcome: 'expert_takeover', juniorOutput: 'draft', expertOutput: 'final' },
    },
  },
  {
    name: 'teaching: a failed junior goes to the expert without asking anyone',
    strategy: 'teaching',
    team: [
      { id: 'junior', tier: 'CHEAP' },
      { id: 'expert', tier: 'PREMIUM' },
    ],
    answers: { junior: new Error('crashed'), expert: ok('final', 0.95) },
    expected: {
      success: true,
      ran: ['junior', 'expert'],
      aggregate: { outcome: 'expert_takeover', juniorOutput: undefined, expertOutput: 'final' },
    },
    recoverable: true,
  },
  {
    name: 'refinement stops at the first failure',
    strategy: 'refinement',
    team: [{ id: 'd' }, { id: 'r' }, { id: 'p' }],
    answers: { d: ok('draft', 0.5), r: new Error('reviewer down') },
    expected: {
      success: false,
      ran: ['d', 'r'],
      aggregate: { refinementStages: 2, finalOutput: null, stageOutputs: ['draft', undefined] },
    },
  },
  {
    name: 'adaptive: a failed classifier goes to the first specialist without asking anyone',
    strategy: 'adaptive',
    team: [
      { id: 'cls', tier: 'CHEAP' },
      { id: 'cheap', tier: 'CHEAP' },
      { id: 'premium', tier: 'PREMIUM' },
    ],
    answers: { cls: new Error('down'), cheap: ok('fixed', 0.7) },
    expected: {
      success: true,
      ran: ['cls', 'cheap'],
      aggregate: {
        classification: undefined,
        selectedSpecialist: 'cheap',
        specialistOutput: 'fixed',
      },
    },
    recoverable: true,
  },
  {
    name: 'adaptive: a confident classifier routes to the cheapest specialist',
    strategy: 'adaptive',
    team: [
      { id: 'cls', tier: 'CHEAP' },
      { id: 'premium', tier: 'PREMIUM' },
      { id: 'cheap', tier: 'CHEAP' },
    ],
    answers: { cls: ok('simple', 0.95), cheap: ok('done', 0.8) },
    expected: {
      success: true,
      ran: ['cls', 'cheap'],
      aggregate: {
        classification: 'simple',
        selectedSpecialist: 'cheap',
        specialistOutput: 'done',
      },
    },
  },
  {
    name: 'adaptive: an unreported confidence routes to the most expensive specialist',
    strategy: 'adaptive',
    team: [
      { id: 'cls', tier: 'CHEAP' },
      { id: 'cheap', tier: 'CHEAP' },
      { id: 'premium', tier: 'PREMIUM' },
    ],
    answers: { cls: ok('hmm'), premium: ok('done', 0.8) },
    expected: {
      success: true,
      ran: ['cls', 'premium'],
      aggregate: { classification: 'hmm', selectedSpecialist: 'premium', specialistOutput: 'done' },
    },
  },
];

function executorFor(answers: Record<string, Answer>, ran: string[]) {
  return async (agent: { id: string }): Promise<AgentExecutionOutput> => {
    ran.push(agent.id);
    const answer = answers[agent.id] ?? { output: `${agent.id}-out`, confidence: 0.9 };
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

async function inMemory(testCase: Case) {
  const ran: string[] = [];
  const synthesizer = testCase.team.find((agent) => agent.strategyRole === 'synthesizer');
  const participants = testCase.team.filter((agent) => agent !== synthesizer);
  const strategy = getStrategy(testCase.strategy, {
    executor: executorFor(testCase.answers, ran),
    ...(synthesizer === undefined ? {} : { synthesizer }),
  });
  const result = await strategy.execute(participants, {});
  return { success: result.success, ran, aggregate: result.aggregatedOutput, decisions: 0 };
}

async function durably(testCase: Case, escalate: boolean) {
  const ran: string[] = [];
  const runtime = new Runtime({ dir: tempBatonDir(), fsync: false, retention: false });
  const graph = compilePlan(
    { strategy: testCase.strategy, agents: testCase.team },
    { tierFallback: false },
  );
  const result = await runtime.run(graph, {
    executor: executorFor(testCase.answers, ran),
    retry: { maxRetries: 0 },
    ...(escalate ? {} : { escalation: { onFailure: false } }),
  });
  return {
    success: result.success,
    status: result.status,
    ran,
    aggregate: result.aggregatedOutput,
    decisions: result.pendingDecisions.length,
  };
}

describe.each(cases)('strategy contract: $name', (testCase) => {
  it('gives the same outcome in memory and durably', async () => {
    const memory = await inMemory(testCase);
    const durable = await durably(testCase, false);
    for (const outcome of [memory, durable]) {
      expect(outcome.ran).toEqual(testCase.expected.ran);
      expect(outcome.success).toBe(testCase.expected.success);
      expect(outcome.aggregate).toEqual(testCase.expected.aggregate);
    }
    expect(durable.status).toBe(testCase.expected.success ? 'succeeded' : 'failed');
  });

  if (testCase.recoverable === true) {
    it('recovers inside the strategy: a durable run that may ask people asks nobody', async () => {
      const durable = await durably(testCase, true);
      expect(durable.decisions).toBe(0);
      expect(durable.ran).toEqual(testCase.expected.ran);
      expect(durable.success).toBe(testCase.expected.success);
    });
  }
});

describe('strategy contract: a person is asked only when the strategy has no recovery left', () => {
  it('a failed sequential step waits for a person in a durable run; rejecting it gives the in-memory verdict', async () => {
    const testCase = cases[0]!;
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false, retention: false });
    const ran: string[] = [];
    const graph = compilePlan(
      { strategy: testCase.strategy, agents: testCase.team },
      { tierFallback: false },
    );
    const executor = executorFor(testCase.answers, ran);
    const paused = await runtime.run(graph, { executor, retry: { maxRetries: 0 } });
    expect(paused.status).toBe('paused');
    expect(paused.pendingDecisions.map((decision) => [decision.stepId, decision.kind])).toEqual([
      ['b', 'escalation'],
    ]);
    await runtime.store.decide(paused.pendingDecisions[0]!.id, 'reject');
    const resumed = await runtime.resume(paused.runId, { executor, retry: { maxRetries: 0 } })
      .result;
    expect(resumed.status).toBe('failed');
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(resumed.aggregatedOutput).toMatchObject({ numAgents: 3, allSucceeded: false });
  });
});
