import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentExecutor } from '@baton/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createBaton } from '../src/create-baton.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-sdk-'));
  dirs.push(dir);
  return dir;
}

/** A stand-in agent: a plain async function that says who answered and what it was asked. */
function standIn(calls: string[]): AgentExecutor {
  return async (agent, context) => {
    calls.push(agent.id);
    return {
      output: `${agent.id} looked at ${String(context.task)}`,
      confidence: 0.8,
      success: true,
    };
  };
}

describe('createBaton', () => {
  it('runs a task with a plain async executor: events while it runs, a report and a recorded outcome', async () => {
    const calls: string[] = [];
    const baton = createBaton({ projectDir: project(), executor: standIn(calls), env: {} });
    const run = await baton.run('review the API for breaking changes');
    const seen: string[] = [];
    for await (const event of run.events) seen.push(event.type);
    const report = await run.result;

    expect(report.runId).toBe(run.id);
    expect(report.status).toBe('succeeded');
    expect(report.success).toBe(true);
    expect(report.task).toBe('review the API for breaking changes');
    expect(report.agents.length).toBeGreaterThan(0);
    expect(report.agents.map((agent) => agent.agentId).sort()).toEqual([...new Set(calls)].sort());
    expect(seen).toContain('step-end');
    expect(report.outcome).not.toBeNull();

    const { runs } = await baton.runs.list();
    expect(runs.map((summary) => summary.id)).toEqual([run.id]);
    expect((await baton.runs.get(run.id)).status).toBe('succeeded');
    // The composition the run used has its first outcome recorded.
    const used = await baton.compositions.get(String(report.composition?.compositionId));
    expect(used?.usageCount).toBe(1);
    expect(report.outcome).toMatchObject({ recorded: true, success: true, usageCount: 1 });
    // Only the stand-in's self-reported confidence was measured: the quality is unknown, not 0.
    expect(report.outcome?.quality?.score).toBeNull();
    expect(report.outcome?.quality?.summary).toMatch(/quality unknown/);
    await baton.close();
  });

  it('plans without running anything', async () => {
    const calls: string[] = [];
    const baton = createBaton({ projectDir: project(), executor: standIn(calls), env: {} });
    const report = await baton.plan('boost test coverage to 90%', { graph: true });
    expect(report.task).toBe('boost test coverage to 90%');
    expect(report.graph?.steps.length).toBeGreaterThan(0);
    expect(calls).toEqual([]);
    expect((await baton.runs.list()).runs).toEqual([]);
  });

  it('names what is wrong with its options and loses nothing', async () => {
    expect(() => createBaton('.' as never)).toThrow(/options/);
    const baton = createBaton({ projectDir: project(), executor: standIn([]), env: {} });
    await expect(baton.run('')).rejects.toThrow(/task/);
    await expect(baton.runs.get('no-such-run')).rejects.toThrow(/no-such-run/);
    expect((await baton.runs.list()).runs).toEqual([]);
  });
});
