import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { BatonEmitter, type RunEvent } from './events.js';
import { MemoryCheckpointer } from './memory-checkpointer.js';
import type { StepCheckpoint } from './records.js';
import { createTaskGraph } from './task-graph.js';

/** A memory checkpointer whose commits of one step take a while (a slow disk, a database). */
class SlowCommits extends MemoryCheckpointer {
  readonly failing: Set<string>;
  constructor(failing: string[] = []) {
    super();
    this.failing = new Set(failing);
  }
  override commitStep(
    runId: string,
    checkpoint: StepCheckpoint,
    events: readonly RunEvent[],
  ): Promise<void> {
    const slow = checkpoint.stepId === 'slow-commit';
    return new Promise((resolve, reject) => {
      setTimeout(
        () => {
          if (this.failing.has(checkpoint.stepId)) {
            reject(new Error(`disk full while committing ${checkpoint.stepId}`));
            return;
          }
          super.commitStep(runId, checkpoint, events);
          resolve();
        },
        slow ? 30 : 0,
      );
    });
  }
}

const graph = createTaskGraph({
  steps: [
    { id: 'slow-commit', agent: { id: 'slow-commit' } },
    { id: 'busy', agent: { id: 'busy' }, retry: { maxRetries: 0 } },
    { id: 'after', agent: { id: 'after' }, dependsOn: ['slow-commit', 'busy'] },
  ],
});

/** `busy` answers after 10 ms with usage, so its events come while slow-commit's commit waits. */
const executor = async (agent: { id: string }) => {
  if (agent.id === 'busy') await new Promise((resolve) => setTimeout(resolve, 10));
  return { output: `${agent.id} done`, usage: { inputTokens: 1, outputTokens: 1 } };
};

describe('Engine: the order listeners see events in', () => {
  it('delivers every event in seq order, a step-end once its commit is stored', async () => {
    const checkpointer = new SlowCommits();
    const engine = new Engine({ checkpointer, pollIntervalMs: 0 });
    const events = new BatonEmitter();
    const seen: RunEvent[] = [];
    const storedWhenHeard: boolean[] = [];
    events.on('event', (event) => {
      if (event.type === 'step-end') {
        // When a listener hears of a finished step, the step is stored.
        storedWhenHeard.push(
          checkpointer.readEvents(event.runId).some((stored) => stored.seq === event.seq),
        );
      }
      seen.push(event);
    });
    const handle = engine.start(graph, { executor, events });
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(storedWhenHeard).toEqual([true, true, true]);
    expect(seen.map((event) => event.seq)).toEqual(seen.map((_, index) => index + 1));
    const slowEnd = seen.find(
      (event) => event.type === 'step-end' && event.stepId === 'slow-commit',
    );
    const busyUsage = seen.find((event) => event.type === 'step-usage' && event.stepId === 'busy');
    // busy's usage was made while slow-commit's commit waited, and is heard after its step-end.
    expect(busyUsage!.seq).toBeGreaterThan(slowEnd!.seq);
    // Everything heard is stored (this store keeps them in the order its slow commits end).
    expect(seen.map((event) => event.seq)).toEqual(
      checkpointer
        .readEvents(handle.runId)
        .map((event) => event.seq)
        .sort((a, b) => a - b),
    );
  });

  it('goes on delivering later events when a commit fails', async () => {
    const checkpointer = new SlowCommits(['slow-commit']);
    const engine = new Engine({ checkpointer, pollIntervalMs: 0 });
    const events = new BatonEmitter();
    const seen: RunEvent[] = [];
    events.on('event', (event) => seen.push(event));
    const handle = engine.start(graph, { executor, events });
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(seen.at(-1)?.type).toBe('run-end');
    // The step whose commit failed is not announced as finished.
    expect(seen.some((event) => event.type === 'step-end' && event.stepId === 'slow-commit')).toBe(
      false,
    );
    const seqs = seen.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
