import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentExecutor, delay } from '@baton/core';
import { compilePlan, RunStore, Runtime } from '@baton/runtime';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresCheckpointer } from '../src/postgres-checkpointer.js';
import { createTemporaryDatabase, type TemporaryDatabase } from './temporary-database.js';

// The engine end to end on PostgreSQL: the durable Runtime with a PostgresCheckpointer.
const creating = createTemporaryDatabase('runtime');
creating.catch(() => {});
let database: TemporaryDatabase;
let dir: string;
const open: PostgresCheckpointer[] = [];

beforeEach(async () => {
  database = await creating;
  dir = mkdtempSync(join(tmpdir(), 'baton-pg-runtime-'));
});
afterEach(async () => {
  for (const checkpointer of open.splice(0)) await checkpointer.close();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await (await creating.catch(() => undefined))?.drop();
});

/** A checkpointer on this file's database: each call is another pool (another "process"). */
function connect(): PostgresCheckpointer {
  const checkpointer = new PostgresCheckpointer({
    connectionString: database.url,
    maxConnections: 4,
  });
  open.push(checkpointer);
  return checkpointer;
}

function runtimeOn(checkpointer: PostgresCheckpointer): Runtime {
  return new Runtime({ dir, checkpointer, audit: false, retention: false, pollIntervalMs: 20 });
}

/** Answers `<agent> wrote <what the previous agent said>`; counts calls; optionally slow. */
function writer(ms = 0) {
  const calls = new Map<string, number>();
  const aborted: string[] = [];
  const executor: AgentExecutor = async (agent, context, { signal }) => {
    calls.set(agent.id, (calls.get(agent.id) ?? 0) + 1);
    if (ms > 0) {
      try {
        await delay(ms, { signal });
      } catch (error) {
        aborted.push(agent.id);
        throw error;
      }
    }
    const before = Object.keys(context)
      .filter((key) => key.startsWith('agent_'))
      .sort();
    return {
      output: `${agent.id} after [${before.join(',')}]`,
      confidence: 0.9,
      usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.001 },
    };
  };
  return { executor, calls, aborted };
}

const plan = {
  strategy: 'sequential' as const,
  agents: [{ id: 'agent_a' }, { id: 'agent_b' }, { id: 'agent_c' }, { id: 'agent_d' }],
};

describe('Runtime on PostgreSQL', () => {
  it('runs a compiled plan: every step checkpointed, the stream stored, the run listed', async () => {
    const checkpointer = connect();
    const runtime = runtimeOn(checkpointer);
    const { executor } = writer();
    const graph = compilePlan(plan, { task: 'write the release notes' });
    const result = await runtime.run(graph, { executor, runId: 'pg-plan-1' });
    expect(result.status).toBe('succeeded');
    expect(result.steps.agent_d!.result!.output).toBe('agent_d after [agent_a,agent_b,agent_c]');
    expect(result.spend.total.costUsd).toBeCloseTo(0.004);
    const reader = connect();
    const stored = await reader.loadSteps('pg-plan-1');
    expect([...stored.steps.keys()].sort()).toEqual(['agent_a', 'agent_b', 'agent_c', 'agent_d']);
    expect(stored.inFlight).toEqual([]);
    const events = await reader.readEvents('pg-plan-1');
    expect(events[0]!.seq).toBe(1);
    expect(events.at(-1)!.type).toBe('run-end');
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const record = await reader.loadRun('pg-plan-1');
    expect(record).toMatchObject({ status: 'succeeded', state: 'idle' });
    expect((await reader.listRuns({ status: 'succeeded' })).items.map((run) => run.id)).toContain(
      'pg-plan-1',
    );
  });

  it('is cancelled from another connection and resumes without re-running finished steps', async () => {
    const runtime = runtimeOn(connect());
    const { executor, calls, aborted } = writer(60);
    const graph = compilePlan(plan, { task: 'cancel me' });
    const handle = runtime.start(graph, { executor, runId: 'pg-cancel-1' });
    const other = connect();
    // Wait until two steps are committed, then cancel through another pool, as `baton runs
    // cancel` on another machine does.
    for (let tries = 0; (await other.loadSteps('pg-cancel-1')).steps.size < 2; tries += 1) {
      if (tries > 200) throw new Error('the run did not commit two steps');
      await delay(10);
    }
    const cancel = await new Runtime({ dir, checkpointer: other, audit: false }).cancel(
      'pg-cancel-1',
      { reason: 'stop from elsewhere' },
    );
    expect(cancel.via).toBe('marker');
    const cancelled = await handle.result;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toContain('stop from elsewhere');
    expect(aborted).toHaveLength(1);
    expect(await other.cancelRequest('pg-cancel-1')).toBeUndefined();

    const finishedBefore = [...(await other.loadSteps('pg-cancel-1')).steps.keys()];
    const resumed = await runtimeOn(connect()).resume('pg-cancel-1', { executor }).result;
    expect(resumed.status).toBe('succeeded');
    for (const stepId of finishedBefore) expect(calls.get(stepId)).toBe(1);
    // The interrupted step ran twice (cut short, then finished); the others once.
    expect([...calls.values()].reduce((sum, count) => sum + count, 0)).toBe(5);
    expect(resumed.steps.agent_d!.result!.output).toBe('agent_d after [agent_a,agent_b,agent_c]');
    expect((await other.loadRun('pg-cancel-1')).attempts).toBe(2);
  });

  it('waits on a pending approval that a person answers through another connection', async () => {
    const runtime = runtimeOn(connect());
    const { executor, calls } = writer();
    const graph = compilePlan(
      { strategy: 'sequential', agents: [{ id: 'build' }, { id: 'deploy_site' }] },
      { task: 'ship' },
    );
    const handle = runtime.start(graph, { executor, runId: 'pg-approve-1', decisionMode: 'wait' });
    const people = new RunStore({ checkpointer: connect() });
    let pending: Awaited<ReturnType<RunStore['decisions']>>['decisions'] = [];
    for (let tries = 0; pending.length === 0; tries += 1) {
      if (tries > 300) throw new Error('no decision was asked');
      await delay(10);
      pending = (await people.decisions({ status: 'pending' })).decisions;
    }
    expect(pending[0]).toMatchObject({
      runId: 'pg-approve-1',
      stepId: 'deploy_site',
      kind: 'approval',
    });
    expect(calls.get('deploy_site')).toBeUndefined();
    await people.decide(pending[0]!.id, 'approve', { note: 'go' });
    await expect(people.decide(pending[0]!.id, 'reject')).rejects.toThrow('is already approved');
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(calls.get('deploy_site')).toBe(1);
    expect(result.steps.deploy_site!.result!.output).toBe('deploy_site after []');
  });
});
