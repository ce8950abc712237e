import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
