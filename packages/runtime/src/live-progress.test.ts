import { RunEmitter } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { ProgressTracker, renderProgress } from './live-progress.js';
import { Runtime } from './runtime.js';
import { graphOf, scriptedExecutor, tempBatonDir } from './test-helpers.js';

describe('ProgressTracker', () => {
  it('follows a run: running steps with elapsed time against the estimate, then the final status', async () => {
    const graph = graphOf([
      { id: 'draft', estimatedDurationSeconds: 10 },
      { id: 'review', dependsOn: ['draft'], estimatedDurationSeconds: 30 },
    ]);
    const tracker = new ProgressTracker(graph);
    const events = new RunEmitter();
    const snapshots: string[][] = [];
    events.on('event', (event) => {
      tracker.apply(event);
      if (event.type === 'step-start' && event.stepId === 'review') {
        snapshots.push(
          renderProgress(tracker.snapshot(Date.parse(event.timestamp) + 15_000), { width: 10 }),
        );
      }
    });
    const executor = scriptedExecutor({
      draft: [
        {
          output: 'd',
          confidence: 0.9,
          usage: { inputTokens: 1000, outputTokens: 500, costUsd: 0.0123 },
        },
      ],
    });
    await new Runtime({ dir: tempBatonDir(), fsync: false }).run(graph, { executor, events });
    expect(snapshots[0]).toEqual([
      'Overall [█████░░░░░] 50.0%  1/2 steps  $0.0123  1.5k tokens',
      '  review  [█████░░░░░] 50.0%  15.0s of ~30s',
    ]);
    const final = tracker.snapshot();
    expect(final.status).toBe('succeeded');
    expect(final.running).toEqual([]);
    expect(final.overall.percent).toBe(100);
  });
});
