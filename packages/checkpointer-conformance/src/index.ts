import {
  BatonError,
  BatonErrorCode,
  type Checkpointer,
  type Decision,
  RUN_RECORD_VERSION,
  type RunEvent,
  type RunRecord,
  type StepCheckpoint,
} from '@baton/core';
import { afterEach, describe, expect, it } from 'vitest';

/** What a conformance test gets: a fresh, empty checkpointer, and how to clean it up. */
export interface CheckpointerFixture {
  checkpointer: Checkpointer;
  cleanup?: (() => Promise<void> | void) | undefined;
}

let counter = 0;

/** A run record for the tests. */
export function sampleRun(overrides: Partial<RunRecord> = {}): RunRecord {
  counter += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, counter)).toISOString();
  return {
    version: RUN_RECORD_VERSION,
    id: `run-${counter}-${Math.random().toString(16).slice(2, 8)}`,
    createdAt: at,
    updatedAt: at,
    status: 'running',
    state: 'monitoring',
    history: [],
    graph: {
      steps: [
        {
          id: 'a',
          kind: 'agent',
          agent: { id: 'a' },
          dependsOn: [],
          onDependencyFailure: 'skip',
          critical: true,
          escalate: true,
          risky: false,
          estimatedDurationSeconds: 0,
          fallbacks: [],
        },
      ],
    },
    context: {},
    budget: {},
    concurrency: 2,
    attempts: 1,
    ...overrides,
  };
}

function event(runId: string, seq: number, fields: Record<string, unknown>): RunEvent {
  return {
    runId,
    seq,
    timestamp: new Date(Date.UTC(2026, 0, 1, 1, 0, seq)).toISOString(),
    ...fields,
  } as unknown as RunEvent;
}

function checkpoint(
  stepId: string,
  output: unknown,
  status: StepCheckpoint['status'] = 'succeeded',
): StepCheckpoint {
  return {
    stepId,
    status,
    result: {
      agentId: stepId,
      success: status === 'succeeded',
      output,
      confidence: 0.5,
      durationSeconds: 0.01,
      error: status === 'succeeded' ? '' : 'failed',
    },
    attempts: [
      {
        via: 'primary',
        agentId: stepId,
        attempt: 1,
        startedAt: '2026-01-01T00:00:00.000Z',
        durationSeconds: 0.01,
        success: status === 'succeeded',
        usage: { inputTokens: 3, outputTokens: 4, costUsd: 0.001 },
      },
    ],
    endedAt: '2026-01-01T00:00:01.000Z',
    runAttempt: 1,
  };
}

function stepEnd(runId: string, seq: number, saved: StepCheckpoint): RunEvent {
  return event(runId, seq, {
    type: 'step-end',
    ...saved,
    progress: {
      total: 1,
      done: 1,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      running: 0,
      pending: 0,
      awaitingDecision: 0,
      percent: 100,
      weightedPercent: undefined,
    },
  });
}

function decision(runId: string, overrides: Partial<Decision> = {}): Decision {
  counter += 1;
  return {
    id: `d-${counter.toString(16).padStart(8, '0')}`,
    runId,
    stepId: 'a',
    kind: 'escalation',
    status: 'pending',
    reason: 'step a failed',
    createdAt: new Date(Date.UTC(2026, 0, 1, 2, 0, counter)).toISOString(),
    defaultAction: 'reject',
    ...overrides,
  };
}

async function expectCode(promise: unknown, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(BatonError.isInstance(caught) ? caught.code : caught).toBe(code);
}

/**
 * Declares the conformance suite for one checkpointer implementation. `create` gives a fresh,
 * empty checkpointer for each test.
 */
export function describeCheckpointer(
  name: string,
  create: () => Promise<CheckpointerFixture>,
): void {
  describe(`checkpointer conformance: ${name}`, () => {
    const fixtures: CheckpointerFixture[] = [];
    const fresh = async (): Promise<Checkpointer> => {
      const fixture = await create();
      fixtures.push(fixture);
      return fixture.checkpointer;
    };
    afterEach(async () => {
      for (const fixture of fixtures.splice(0)) await fixture.cleanup?.();
    });

    it('stores a run, refuses a second run with the same id, and reads it back', async () => {
      const checkpointer = await fresh();
      const record = sampleRun({ metadata: { note: 'x' } });
      await checkpointer.createRun(record);
      expect(await checkpointer.loadRun(record.id)).toEqual(record);
      await expectCode(
        Promise.resolve().then(() => checkpointer.createRun(record)),
        BatonErrorCode.CONFLICT,
      );
      await expectCode(
        Promise.resolve().then(() => checkpointer.loadRun('no-such-run')),
        BatonErrorCode.NOT_FOUND,
      );
    });

    it('replaces a record on save and lists runs newest first, by status', async () => {
      const checkpointer = await fresh();
      const older = sampleRun();
      const newer = sampleRun();
      await checkpointer.createRun(older);
      await checkpointer.createRun(newer);
      await checkpointer.saveRun({ ...older, status: 'succeeded', endedAt: older.createdAt });
      const all = await checkpointer.listRuns();
      expect(all.items.map((run) => run.id)).toEqual([newer.id, older.id]);
      expect(all.problems).toEqual([]);
      expect((await checkpointer.loadRun(older.id)).status).toBe('succeeded');
      const running = await checkpointer.listRuns({ status: 'running' });
      expect(running.items.map((run) => run.id)).toEqual([newer.id]);
    });

    it('keeps the event stream in order and reads it after a seq', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      await checkpointer.appendEvents(run.id, [
        event(run.id, 1, { type: 'run-start', resumed: false, totalSteps: 1, finishedSteps: 0 }),
        event(run.id, 2, {
          type: 'step-start',
          stepId: 'a',
          label: 'a',
          via: 'primary',
          attempt: 1,
        }),
      ]);
      await checkpointer.appendEvents(run.id, [
        event(run.id, 3, { type: 'run-notice', message: 'hello' }),
      ]);
      const events = await checkpointer.readEvents(run.id);
      if (!checkpointer.storesEvents) {
        // A checkpointer that says it keeps no stream keeps none (and still counts the seq).
        expect(events).toEqual([]);
        expect((await checkpointer.loadSteps(run.id)).lastSeq).toBe(3);
        return;
      }
      expect(events.map((stored) => stored.seq)).toEqual([1, 2, 3]);
      expect(
        (await checkpointer.readEvents(run.id, { afterSeq: 2 })).map((stored) => stored.type),
      ).toEqual(['run-notice']);
    });

    it('reads back every event whole, whatever a store leaves out of what it writes', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      const usage = { inputTokens: 10, outputTokens: 5, costUsd: 0.002 };
      const retried: StepCheckpoint = {
        ...checkpoint('b', 'b'),
        attempts: [
          {
            via: 'primary',
            agentId: 'b',
            attempt: 1,
            startedAt: '2026-01-01T00:00:00.000Z',
            durationSeconds: 1,
            success: false,
            error: 'rate limited',
          },
          {
            via: 'fallback 1',
            agentId: 'b2',
            attempt: 1,
            startedAt: '2026-01-01T00:00:01.000Z',
            durationSeconds: 0.5,
            success: true,
          },
        ],
        runAttempt: 2,
      };
      const appended = [
        event(run.id, 1, { type: 'state-change', from: 'idle', to: 'analyzing', trigger: 'start' }),
        event(run.id, 2, {
          type: 'state-change',
          from: 'analyzing',
          to: 'error',
          trigger: 'error',
        }),
        event(run.id, 3, {
          type: 'step-start',
          stepId: 'b',
          agentId: 'b2',
          label: 'Build it',
          via: 'fallback 1',
          tier: 'CHEAP',
          attempt: 1,
        }),
        event(run.id, 4, {
          type: 'step-usage',
          stepId: 'a',
          agentId: 'a',
          via: 'primary',
          attempt: 1,
          usage,
          costDeltaUsd: 0.002,
          tokensDelta: 15,
          runCostUsd: 0.002,
          runTokens: 15,
        }),
        event(run.id, 5, { type: 'run-notice', stepId: 'a', message: 'no agent named' }),
      ];
      await checkpointer.appendEvents(run.id, appended);
      const done = checkpoint('a', { answer: 42 });
      const ends = [stepEnd(run.id, 6, done), stepEnd(run.id, 7, retried)];
      await checkpointer.commitStep(run.id, done, [ends[0]!]);
      await checkpointer.commitStep(run.id, retried, [ends[1]!]);
      const events = await checkpointer.readEvents(run.id);
      if (!checkpointer.storesEvents) {
        expect(events).toEqual([]);
        return;
      }
      expect(events).toEqual([...appended, ...ends]);
      expect((await checkpointer.loadSteps(run.id)).steps.get('b')).toEqual(retried);
    });

    it('commits steps: the last checkpoint of a step wins, with the highest seq', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      const first = checkpoint('a', 'first', 'failed');
      await checkpointer.commitStep(run.id, first, [stepEnd(run.id, 1, first)]);
      const second = checkpoint('a', { answer: 42 });
      await checkpointer.commitStep(run.id, second, [stepEnd(run.id, 2, second)]);
      const other = checkpoint('b', 'b');
      await checkpointer.commitStep(run.id, other, [stepEnd(run.id, 3, other)]);
      const stored = await checkpointer.loadSteps(run.id);
      expect(stored.steps.get('a')).toEqual(second);
      expect(stored.steps.get('b')).toEqual(other);
      expect(stored.lastSeq).toBe(3);
      expect(stored.problems).toEqual([]);
    });

    it('tells a resume which steps were in flight and what their attempts spent', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      const usage = { inputTokens: 10, outputTokens: 5, costUsd: 0.002 };
      await checkpointer.appendEvents(run.id, [
        event(run.id, 1, {
          type: 'step-start',
          stepId: 'a',
          agentId: 'a',
          label: 'a',
          via: 'primary',
          attempt: 1,
        }),
        event(run.id, 2, {
          type: 'step-usage',
          stepId: 'a',
          agentId: 'a',
          via: 'primary',
          attempt: 1,
          usage,
          runCostUsd: 0.002,
          runTokens: 15,
        }),
        event(run.id, 3, {
          type: 'step-start',
          stepId: 'a',
          agentId: 'a',
          label: 'a',
          via: 'primary',
          attempt: 2,
        }),
      ]);
      const stored = await checkpointer.loadSteps(run.id);
      if (!checkpointer.storesEvents) {
        // Without a stream nothing is known about unfinished steps: never invented.
        expect(stored.inFlight).toEqual([]);
        expect(stored.unfinishedUsage.size).toBe(0);
        return;
      }
      expect(stored.inFlight).toEqual(['a']);
      expect(stored.unfinishedUsage.get('a')).toEqual([
        { agentId: 'a', via: 'primary', attempt: 1, usage },
      ]);
      const done = checkpoint('a', 'ok');
      await checkpointer.commitStep(run.id, done, [stepEnd(run.id, 4, done)]);
      const after = await checkpointer.loadSteps(run.id);
      expect(after.inFlight).toEqual([]);
      expect(after.unfinishedUsage.size).toBe(0);
      expect(after.lastSeq).toBe(4);
    });

    it('keeps every one of many concurrent commits', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => {
          const saved = checkpoint(`s${index}`, index);
          return checkpointer.commitStep(run.id, saved, [stepEnd(run.id, index + 1, saved)]);
        }),
      );
      const stored = await checkpointer.loadSteps(run.id);
      expect(stored.steps.size).toBe(20);
      expect(stored.steps.get('s7')?.result?.output).toBe(7);
    });

    it('stores decisions and resolves a pending one once (compare-and-set)', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      const other = sampleRun();
      await checkpointer.createRun(run);
      await checkpointer.createRun(other);
      const pending = decision(run.id);
      await checkpointer.createDecision(pending);
      await checkpointer.createDecision(decision(other.id, { stepId: 'b' }));
      expect((await checkpointer.listDecisions({ runId: run.id })).items).toEqual([pending]);
      expect((await checkpointer.listDecisions({ status: 'pending' })).items).toHaveLength(2);
      const approved: Decision = {
        ...pending,
        status: 'approved',
        resolvedAt: pending.createdAt,
        resolvedBy: 'person',
      };
      await checkpointer.updateDecision(approved, 'pending');
      expect((await checkpointer.listDecisions({ runId: run.id })).items).toEqual([approved]);
      await expectCode(
        Promise.resolve().then(() =>
          checkpointer.updateDecision({ ...approved, status: 'rejected' }, 'pending'),
        ),
        BatonErrorCode.CONFLICT,
      );
      expect(
        (await checkpointer.listDecisions({ status: 'pending' })).items.map((d) => d.runId),
      ).toEqual([other.id]);
    });

    it('carries cancel requests until they are cleared', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      expect(await checkpointer.cancelRequest(run.id)).toBeUndefined();
      await checkpointer.requestCancel(run.id, 'baton runs cancel');
      expect(await checkpointer.cancelRequest(run.id)).toBe('baton runs cancel');
      await checkpointer.clearCancel(run.id);
      expect(await checkpointer.cancelRequest(run.id)).toBeUndefined();
    });

    it('lets one owner at a time execute a run', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      const owner = { pid: process.pid, hostname: 'this-host' };
      const release = await checkpointer.acquireLease(run.id, owner);
      await expectCode(checkpointer.acquireLease(run.id, owner), BatonErrorCode.CONFLICT);
      await release();
      const again = await checkpointer.acquireLease(run.id, owner);
      await again();
    });

    it('deletes a run with its decisions', async () => {
      const checkpointer = await fresh();
      const run = sampleRun();
      await checkpointer.createRun(run);
      await checkpointer.createDecision(decision(run.id));
      await checkpointer.deleteRun(run.id);
      await expectCode(
        Promise.resolve().then(() => checkpointer.loadRun(run.id)),
        BatonErrorCode.NOT_FOUND,
      );
      expect((await checkpointer.listDecisions({})).items).toEqual([]);
      expect((await checkpointer.listRuns()).items).toEqual([]);
    });
  });
}
