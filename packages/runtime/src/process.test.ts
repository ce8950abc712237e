import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileCheckpointer } from './file-checkpointer.js';
import { isProcessAlive } from './fs-utils.js';
import { Runtime } from './runtime.js';
import { scriptedExecutor, tempBatonDir, waitFor } from './test-helpers.js';

// These tests run the built package (dist) in real child processes: `pnpm test` builds first.
const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'run-child.mjs');

function runChild(args: string[]): {
  child: ChildProcess;
  exit: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
} {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exit };
}

function calls(markerDir: string, stepId: string): number {
  const file = join(markerDir, `${stepId}.calls`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
}

/** The steps whose checkpoint a run has committed (read as another process would). */
function committed(dir: string, runId: string): string[] {
  try {
    return [...new FileCheckpointer({ dir }).loadSteps(runId).steps.keys()];
  } catch {
    return [];
  }
}

function setup() {
  const dir = tempBatonDir();
  const markers = join(dirname(dir), 'markers');
  mkdirSync(markers, { recursive: true });
  return { dir, markers };
}

describe('real processes', () => {
  it('survives SIGKILL mid-run: resume in a new process finishes without re-running finished steps', async () => {
    const { dir, markers } = setup();
    const first = runChild(['start', dir, 'crash-1', markers, '100']);
    await waitFor(() => committed(dir, 'crash-1').length >= 2, 10_000);
    first.child.kill('SIGKILL');
    const killed = await first.exit;
    expect(killed.signal).toBe('SIGKILL');

    const finishedBeforeKill = committed(dir, 'crash-1');
    expect(finishedBeforeKill.length).toBeGreaterThanOrEqual(2);
    expect(finishedBeforeKill.length).toBeLessThan(6);
    const store = new Runtime({ dir }).store;
    const [summary] = (await store.list()).runs;
    expect(summary).toMatchObject({
      id: 'crash-1',
      status: 'running',
      crashed: true,
      resumable: true,
    });

    const second = runChild(['resume', dir, 'crash-1', markers, '10']);
    const resumed = await second.exit;
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result.status).toBe('succeeded');
    expect(Object.values(result.steps)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    for (const stepId of finishedBeforeKill) expect(calls(markers, stepId)).toBe(1);
    for (const stepId of ['s1', 's2', 's3', 's4', 's5', 's6'])
      expect(calls(markers, stepId)).toBeGreaterThanOrEqual(1);
    // Spend is rebuilt from the checkpoints: six finished steps at $0.001 each.
    expect(result.costUsd).toBeCloseTo(0.006);
    const record = await store.loadRun('crash-1');
    expect(
      record.history.map((entry) => `${entry.trigger}:${String(entry.data?.reason ?? '')}`),
    ).toEqual(expect.arrayContaining(['error:crashed', 'recover:resume']));
    expect(record.attempts).toBe(2);
  });

  it('survives SIGKILL with parallel steps in flight: finished steps are not re-run', async () => {
    const { dir, markers } = setup();
    const first = runChild(['start', dir, 'crash-2', markers, '100', 'fanout']);
    await waitFor(() => committed(dir, 'crash-2').length >= 3, 10_000);
    first.child.kill('SIGKILL');
    await first.exit;
    const finished = committed(dir, 'crash-2');
    expect(finished.length).toBeLessThan(7);
    const second = runChild(['resume', dir, 'crash-2', markers, '10', 'fanout']);
    const resumed = await second.exit;
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result.status).toBe('succeeded');
    expect(result.steps.join).toBe('succeeded');
    for (const stepId of finished) expect(calls(markers, stepId)).toBe(1);
    for (const stepId of ['s1', 's2', 's3', 's4', 's5', 's6']) {
      expect(calls(markers, stepId)).toBeGreaterThanOrEqual(1);
      expect(calls(markers, stepId)).toBeLessThanOrEqual(2);
    }
  });

  it('`runs cancel` from another process stops the run promptly, kills the child process group, and the run resumes', async () => {
    const { dir, markers } = setup();
    const first = runChild(['start', dir, 'cancel-1', markers, '5000', 'spawn-grandchild']);
    await waitFor(() => existsSync(join(markers, 's1.grandchild')), 10_000);
    const grandchild = Number(readFileSync(join(markers, 's1.grandchild'), 'utf8'));
    expect(isProcessAlive(grandchild)).toBe(true);
    const canceller = new Runtime({ dir });
    const requested = Date.now();
    expect(await canceller.cancel('cancel-1', { reason: 'baton runs cancel' })).toEqual({
      status: 'running',
      via: 'marker',
    });
    const exited = await first.exit;
    expect(Date.now() - requested).toBeLessThan(3000);
    expect(exited.code).toBe(0);
    expect(JSON.parse(exited.stdout).status).toBe('cancelled');
    await waitFor(() => isProcessAlive(grandchild) === false, 10_000);
    const record = await canceller.store.loadRun('cancel-1');
    expect(record).toMatchObject({ status: 'cancelled', state: 'error' });

    const executor = scriptedExecutor({});
    const resumed = await canceller.resume('cancel-1', { executor, approvalRules: [] }).result;
    expect(resumed.status).toBe('succeeded');
    expect(executor.calls.map((call) => call.agentId)).toEqual([
      's1',
      's2',
      's3',
      's4',
      's5',
      's6',
    ]);
  });

  it('records the agent process groups of a run: a resume after SIGKILL ends a leftover that ignores SIGTERM, and says so', async () => {
    const { dir, markers } = setup();
    const first = runChild(['start', dir, 'orphan-1', markers, '60000', 'stubborn-agent']);
    // The agent ignores SIGTERM once it says it is ready.
    await waitFor(() => existsSync(join(markers, 's1.ready')), 10_000);
    const agent = Number(readFileSync(join(markers, 's1.grandchild'), 'utf8'));
    const runtime = new Runtime({ dir, killGraceMs: 300 });
    await waitFor(
      async () => (await runtime.store.loadRun('orphan-1')).processes?.s1 !== undefined,
      5000,
    );
    first.child.kill('SIGKILL');
    await first.exit;
    // The runner is gone; its agent, in a process group of its own, is not.
    expect(isProcessAlive(agent)).toBe(true);
    const record = await runtime.store.loadRun('orphan-1');
    expect(record.processes?.s1?.[0]).toMatchObject({ pid: agent, command: 'stubborn' });

    const executor = scriptedExecutor({});
    const resumed = await runtime.resume('orphan-1', { executor, approvalRules: [] }).result;
    expect(resumed.status).toBe('succeeded');
    expect(isProcessAlive(agent)).toBe(false);
    expect(resumed.notices).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^step s1: agent process \d+ \(stubborn\) and its process group were still running from the stopped run: killed with SIGKILL after SIGTERM was ignored before the step runs again$/,
        ),
        'step s1 was running when the run stopped; it runs again (its interrupted attempt is repeated)',
      ]),
    );
    expect((await runtime.store.loadRun('orphan-1')).processes).toBeUndefined();
  });

  it('Ctrl-C (SIGINT) cancels the run and saves it as cancelled', async () => {
    const { dir, markers } = setup();
    const first = runChild(['start', dir, 'sigint-1', markers, '5000']);
    await waitFor(() => calls(markers, 's1') === 1, 10_000);
    first.child.kill('SIGINT');
    const exited = await first.exit;
    expect(exited.code).toBe(0);
    expect(JSON.parse(exited.stdout).status).toBe('cancelled');
    const store = new Runtime({ dir }).store;
    expect((await store.loadRun('sigint-1')).status).toBe('cancelled');
  });
});
