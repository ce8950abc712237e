import { queryObjects } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { GraphRun } from './graph-run.js';
import { MemoryCheckpointer } from './memory-checkpointer.js';
import { createTaskGraph } from './task-graph.js';

const graph = createTaskGraph({
  steps: [
    { id: 'a', agent: { id: 'a' } },
    { id: 'b', agent: { id: 'b' } },
    { id: 'join', agent: { id: 'join' }, dependsOn: ['a', 'b'] },
  ],
});

describe('a finished run', () => {
  it('is not kept alive by the engine: back-to-back runs of agents that answer at once', async () => {
    const checkpointer = new MemoryCheckpointer();
    const engine = new Engine({ checkpointer, pollIntervalMs: 0 });
    const executor = async (agent: { id: string }) => ({ output: `${agent.id} ok` });
    // The runs finish inside one macrotask: no timer of theirs has had a chance to fire.
    for (let index = 0; index < 50; index += 1) {
      const result = await engine.run(graph, { executor, runId: `run-${index}` });
      expect(result.status).toBe('succeeded');
    }
    // queryObjects collects garbage first: what is left is reachable.
    expect(queryObjects(GraphRun, { format: 'count' })).toBe(0);
    // The checkpointer still has every run and its events.
    expect(checkpointer.listRuns().items).toHaveLength(50);
    expect(checkpointer.readEvents('run-49').at(-1)?.type).toBe('run-end');
  });
});
