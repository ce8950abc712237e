import { createTaskGraph, type TaskGraph, type TaskGraphInput } from '@baton/core';

/**
 * A graph of `layers` x `width` steps, each step depending on every step of the layer before
 * (its agent lists them in `after`, so the test executor hashes their outputs into its own).
 */
export function layeredGraph(options: {
  layers: number;
  width: number;
  task?: string;
  costUsd?: number;
}): TaskGraph {
  const id = (layer: number, index: number): string =>
    `s${String(layer).padStart(2, '0')}_${String(index).padStart(2, '0')}`;
  const steps: TaskGraphInput['steps'] = [];
  for (let layer = 0; layer < options.layers; layer += 1) {
    const before =
      layer === 0 ? [] : Array.from({ length: options.width }, (_, i) => id(layer - 1, i));
    for (let index = 0; index < options.width; index += 1) {
      steps.push({
        id: id(layer, index),
        agent: {
          id: id(layer, index),
          after: before,
          ...(options.costUsd === undefined ? {} : { costUsd: options.costUsd }),
        },
        dependsOn: before,
      });
    }
  }
  return createTaskGraph({ task: options.task ?? 'layered test graph', steps });
}

/** A sequential graph of steps `a1..an`, each after the one before. */
export function chainGraph(
  length: number,
  extra: Record<string, Record<string, unknown>> = {},
): TaskGraph {
  const steps: TaskGraphInput['steps'] = [];
  for (let index = 1; index <= length; index += 1) {
    const stepId = `a${index}`;
    const before = index === 1 ? [] : [`a${index - 1}`];
    steps.push({
      id: stepId,
      agent: { id: stepId, after: before, ...extra[stepId] },
      dependsOn: before,
    });
  }
  return createTaskGraph({ task: 'chain test graph', steps });
}
