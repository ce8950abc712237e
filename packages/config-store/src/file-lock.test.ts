import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { AbortedError, delay, TimeoutError } from '@baton/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileNames, recordingLogger, temporaryDirectory } from '../test/fixtures.js';
import { withFileLock } from './file-lock.js';

let dir: string;
let lockPath: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
  lockPath = path.join(dir, 'record.json.lock');
});
afterEach(() => cleanup());

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

async function writeLock(owner: Record<string, unknown>, ageSeconds = 0): Promise<void> {
  await writeFile(lockPath, JSON.stringify({ token: 'someone-else', acquiredAt: '', ...owner }));
  if (ageSeconds > 0) {
    const then = new Date(Date.now() - ageSeconds * 1000);
    await utimes(lockPath, then, then);
  }
}

describe('withFileLock', () => {
  it('holds the lock file while the operation runs and removes it afterwards', async () => {
    const seen = await withFileLock(lockPath, async () =>
      JSON.parse(await readFile(lockPath, 'utf8')),
    );
    expect(seen).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(seen.token).toMatch(/^[0-9a-f]{24}$/);
    expect(await fileNames(dir)).toEqual([]);
  });

  it('releases the lock when the operation throws', async () => {
    await expect(
      withFileLock(lockPath, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await fileNames(dir)).toEqual([]);
  });

  it('lets one holder in at a time', async () => {
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        withFileLock(lockPath, async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await delay(3);
          order.push(index);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('times out with a TimeoutError while a live owner holds the lock, leaving its lock alone', async () => {
    await writeLock({ pid: process.ppid, hostname: hostname() });
    const started = performance.now();
    const error = await withFileLock(lockPath, async () => 'never', { timeoutSeconds: 0.05 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain('timed out after 0.05s');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toBe('someone-else');
  });

  it('respects a fresh lock of another host even if a process with that pid is gone here', async () => {
    await writeLock({ pid: deadPid(), hostname: `${hostname()}-elsewhere` });
    await expect(
      withFileLock(lockPath, async () => 'ran', { timeoutSeconds: 0.05 }),
    ).rejects.toThrow(TimeoutError);
  });

  it('removes a lock whose owner process is gone, with a warning, and proceeds', async () => {
    const pid = deadPid();
    await writeLock({ pid, hostname: hostname() });
    const logger = recordingLogger();
    const result = await withFileLock(lockPath, async () => 'ran', { timeoutSeconds: 1, logger });
    expect(result).toBe('ran');
    expect(logger.warnings).toEqual([
      expect.objectContaining({
        message: 'Removed a stale lock',
        data: expect.objectContaining({ reason: `owner process ${pid} no longer exists` }),
      }),
    ]);
    expect(await fileNames(dir)).toEqual([]);
  });

  it('removes a lock older than staleSeconds even when its owner looks alive', async () => {
    await writeLock({ pid: process.ppid, hostname: hostname() }, 60);
    const logger = recordingLogger();
    const result = await withFileLock(lockPath, async () => 'ran', {
      staleSeconds: 30,
      timeoutSeconds: 1,
      logger,
    });
    expect(result).toBe('ran');
    expect(logger.warnings[0]?.data).toMatchObject({ reason: 'older than 30s' });
  });

  it('treats an old unreadable lock as stale and a fresh one as held', async () => {
    await writeFile(lockPath, '');
    await expect(
      withFileLock(lockPath, async () => 'ran', { timeoutSeconds: 0.05 }),
    ).rejects.toThrow(TimeoutError);
    const then = new Date(Date.now() - 60_000);
    await utimes(lockPath, then, then);
    expect(await withFileLock(lockPath, async () => 'ran', { staleSeconds: 30 })).toBe('ran');
  });

  it('stops waiting when the signal aborts', async () => {
    await writeLock({ pid: process.ppid, hostname: hostname() });
    const controller = new AbortController();
    const pending = withFileLock(lockPath, async () => 'never', {
      timeoutSeconds: 5,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow(AbortedError);
  });

  it('does not start when the signal is already aborted', async () => {
    let ran = false;
    await expect(
      withFileLock(
        lockPath,
        async () => {
          ran = true;
        },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toThrow(AbortedError);
    expect(ran).toBe(false);
    expect(await fileNames(dir)).toEqual([]);
  });

  it('leaves a lock that was taken over alone on release and warns', async () => {
    const logger = recordingLogger();
    await withFileLock(
      lockPath,
      async () => {
        await writeLock({ pid: process.ppid, hostname: hostname() });
      },
      { logger },
    );
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toBe('someone-else');
    expect(logger.warnings.map((warning) => warning.message)).toEqual([
      'Lock was removed as stale before it was released',
    ]);
  });
});
