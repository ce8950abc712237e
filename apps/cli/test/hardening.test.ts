/**
 * Regression tests of issue 14 (hardening), on the built CLI with stand-in agent CLIs on PATH.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { answer, batonRun, SYSTEM_PATH, scriptedExecutors, spawnBaton } from './run-helpers.js';

const GENERIC = 'do something generic';

/** A folder with one executable `claude` whose shell body is `script` (`$RECORD` is a folder). */
function standInClaude(script: string): { bin: string; record: string } {
  const root = tempDir();
  const bin = join(root, 'bin');
  const record = join(root, 'record');
  mkdirSync(bin);
  mkdirSync(record);
  writeFileSync(join(bin, 'claude'), `#!/bin/sh\nRECORD='${record}'\n${script}\n`);
  chmodSync(join(bin, 'claude'), 0o755);
  return { bin, record };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (ended, not yet reaped by an init that does not reap) is not running.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('signals end every agent process group before baton exits', { timeout: 30_000 }, () => {
  // The agent CLI ignores SIGTERM and starts a child that ignores it too.
  const stubborn = `trap '' TERM
cat > /dev/null
sh -c 'trap "" TERM; sleep 60' &
echo $! > "$RECORD/child.pid"
echo $$ > "$RECORD/cli.pid"
sleep 60`;

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the run is saved cancelled and resumable, no agent process is left`, async () => {
      const { bin, record } = standInClaude(stubborn);
      const dir = tempDir();
      const env = { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() };
      let pid = 0;
      const running = spawnBaton(['run', GENERIC, '--agent-cli', 'claude', '--json'], {
        cwd: dir,
        env,
        onSpawn: (id) => {
          pid = id;
        },
      });
      await waitFor(
        () => existsSync(join(record, 'child.pid')) && existsSync(join(record, 'cli.pid')),
      );
      const agents = ['cli.pid', 'child.pid'].map((file) =>
        Number(readFileSync(join(record, file), 'utf8')),
      );
      process.kill(pid, signal);
      const result = await running;
      // Checked the moment baton has exited: nothing of the agent's group may outlive it.
      expect(agents.filter(alive)).toEqual([]);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.status).toBe('cancelled');
      const shown = JSON.parse(
        (await spawnBaton(['runs', 'show', report.runId, '--json'], { cwd: dir, env })).stdout,
      );
      expect(shown).toMatchObject({ status: 'cancelled', resumable: true });
    });
  }
});

describe('terminal escape sequences in agent answers', () => {
  it('are stripped from the text report and the progress lines', async () => {
    const hostile = 'done \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m \x9b2J bell\x07 end';
    const { factory } = scriptedExecutors(({ agentId }) => ({
      ...answer(agentId),
      output: { summary: hostile, findings: [], recommendations: [] },
    }));
    const result = await batonRun(['run', GENERIC, '--verbose'], { factory });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done red  bell end');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them
    const controls = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
    expect(result.stdout).not.toMatch(controls);
    expect(result.stderr).not.toMatch(controls);
    const json = await batonRun(['run', GENERIC, '--json'], { factory });
    expect(JSON.parse(json.stdout).agents[0].summary).toBe(hostile);
    expect(json.stdout).not.toMatch(controls);
  });
});
