import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { runProcess, tail } from './process.js';
import { tempProject } from './test-helpers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, seconds = 10): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe('runProcess', () => {
  it('collects output and the exit code', async () => {
    const result = await runProcess('sh', ['-c', 'echo out; echo err >&2; exit 3'], { cwd: '.' });
    expect(result).toMatchObject({
      exitCode: 3,
      timedOut: false,
      stdout: 'out\n',
      stderr: 'err\n',
    });
  });

  it('kills the whole process group when the time limit passes', async () => {
    const project = await tempProject();
    try {
      const result = await runProcess('sh', ['-c', 'sleep 30 & echo $! > child.pid; wait'], {
        cwd: project.root,
        timeoutSeconds: 1,
      });
      expect(result).toMatchObject({ timedOut: true, exitCode: null });
      const child = Number(await readFile(path.join(project.root, 'child.pid'), 'utf8'));
      expect(await waitUntil(() => !alive(child))).toBe(true);
    } finally {
      await project.cleanup();
    }
  });

  it('rejects promptly on abort and kills the process group', async () => {
    const project = await tempProject();
    try {
      const controller = new AbortController();
      const started = Date.now();
      const running = runProcess('sh', ['-c', 'sleep 30 & echo $! > child.pid; wait'], {
        cwd: project.root,
        signal: controller.signal,
      });
      const pidFile = path.join(project.root, 'child.pid');
      await waitUntil(() => {
        try {
          return readFileSync(pidFile, 'utf8').trim() !== '';
        } catch {
          return false;
        }
      });
      controller.abort();
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      expect(Date.now() - started).toBeLessThan(15_000);
      const child = Number(await readFile(pidFile, 'utf8'));
      expect(await waitUntil(() => !alive(child))).toBe(true);
    } finally {
      await project.cleanup();
    }
  });

  it('reports a command that cannot start instead of throwing', async () => {
    const result = await runProcess('definitely-not-a-command-xyz', [], { cwd: '.' });
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatch(/ENOENT/);
  });

  it('keeps the last lines of long output', () => {
    expect(tail('a\nb\nc\nd\n', 2)).toBe('c\nd');
  });
});
