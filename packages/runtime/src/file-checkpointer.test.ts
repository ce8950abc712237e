import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCheckpointer, sampleRun } from '@baton/checkpointer-conformance';
import type { StepCheckpoint } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { FileCheckpointer } from './file-checkpointer.js';

for (const fsync of [true, false]) {
  describeCheckpointer(`files (fsync ${fsync ? 'on' : 'off'})`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-checkpointer-'));
    return {
      checkpointer: new FileCheckpointer({ dir: join(root, '.baton'), fsync }),
      cleanup: () => rmSync(root, { recursive: true, force: true }),
    };
  });
}

describe('FileCheckpointer: step commits with fsync', () => {
  it('writes each commit at once and resolves the commits of one turn after one shared sync', async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-checkpointer-'));
    try {
      const synced = new FileCheckpointer({ dir: join(root, '.baton'), fsync: true });
      const run = sampleRun();
      synced.createRun(run);
      const commits = ['a', 'b', 'c'].map((stepId) => {
        const checkpoint: StepCheckpoint = {
          stepId,
          status: 'succeeded',
          attempts: [],
          endedAt: '2026-01-01T00:00:01.000Z',
          runAttempt: 1,
        };
        return synced.commitStep(run.id, checkpoint, []);
      });
      expect(commits.every((commit) => commit instanceof Promise)).toBe(true);
      // Readers see the lines before the sync: only their durability waits.
      expect(synced.loadSteps(run.id).steps.size).toBe(3);
      await expect(Promise.all(commits)).resolves.toEqual([undefined, undefined, undefined]);
      const unsynced = new FileCheckpointer({ dir: join(root, '.baton'), fsync: false });
      const checkpoint: StepCheckpoint = {
        stepId: 'd',
        status: 'skipped',
        attempts: [],
        endedAt: '2026-01-01T00:00:02.000Z',
        runAttempt: 1,
      };
      expect(unsynced.commitStep(run.id, checkpoint, [])).toBeUndefined();
      expect([...unsynced.loadSteps(run.id).steps.keys()]).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('FileCheckpointer: run locks', () => {
  it("links a run's lock to its owner's file: whole at once, exclusive, gone on release", async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-checkpointer-'));
    try {
      const dir = join(root, '.baton');
      const runs = join(dir, 'runs');
      mkdirSync(runs, { recursive: true });
      // Left by a process that was killed: removed when this process first takes a lock here.
      const dead = { pid: 2 ** 22 + 12345, hostname: hostname() };
      const leftover = join(runs, `.owner-${dead.hostname}-${dead.pid}`);
      writeFileSync(leftover, JSON.stringify(dead));
      const checkpointer = new FileCheckpointer({ dir, fsync: false });
      const run = sampleRun();
      checkpointer.createRun(run);
      const owner = { pid: process.pid, hostname: hostname() };
      const release = await checkpointer.acquireLease(run.id, owner);
      const lock = join(runs, run.id, 'lock');
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual(owner);
      // This process's owner file: the one `.owner-` file left in the runs folder.
      const owners = readdirSync(runs).filter((name) => name.startsWith('.owner-'));
      expect(owners).toHaveLength(1);
      const ownerFile = join(runs, owners[0]!);
      expect(statSync(lock).ino).toBe(statSync(ownerFile).ino);
      expect(existsSync(leftover)).toBe(false);
      await expect(checkpointer.acquireLease(run.id, owner)).rejects.toMatchObject({
        code: 'BATON_CONFLICT',
      });
      // The owner files are not runs.
      expect((await checkpointer.listRuns()).items.map((item) => item.id)).toEqual([run.id]);
      await release();
      expect(existsSync(lock)).toBe(false);
      // The next lock links the same owner file again.
      const again = await checkpointer.acquireLease(run.id, owner);
      expect(statSync(lock).ino).toBe(statSync(ownerFile).ino);
      await again();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
