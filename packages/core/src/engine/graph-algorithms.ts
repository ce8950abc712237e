import { ValidationError } from '../errors.js';

/** The least a node needs for the graph utilities: an id and the ids it depends on. */
export interface GraphNode {
  id: string;
  dependsOn: readonly string[];
}

/** A dependency cycle: the message names it, e.g. `a -> b -> a` (each depends on the next). */
export class GraphCycleError extends ValidationError {
  /** The cycle, first id repeated at the end. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[], field = 'steps') {
    super(field, `dependency cycle: ${cycle.join(' -> ')}`);
    this.name = 'GraphCycleError';
    this.cycle = cycle;
  }
}

function indexNodes<T extends GraphNode>(nodes: readonly T[]): Map<string, T> {
  const byId = new Map<string, T>();
  nodes.forEach((node, index) => {
    if (byId.has(node.id)) {
      throw new ValidationError(`steps.${index}.id`, `duplicate step id "${node.id}"`);
    }
    byId.set(node.id, node);
  });
  nodes.forEach((node, index) => {
    node.dependsOn.forEach((dependency, position) => {
      if (!byId.has(dependency)) {
        throw new ValidationError(
          `steps.${index}.dependsOn.${position}`,
          `unknown step "${dependency}"`,
        );
      }
    });
  });
  return byId;
}

/**
 * Finds a dependency cycle and names it: `['a', 'b', 'a']` means a depends on b and b on a.
 * Returns undefined for an acyclic graph. Throws a `ValidationError` for duplicate ids or
 * dependencies on unknown steps.
 *
 * @example
 * ```ts
 * findCycle([{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }]); // ['a', 'b', 'a']
 * ```
 */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const byId = indexNodes(nodes);
  const colour = new Map<string, 'grey' | 'black'>();
  for (const root of nodes) {
    if (colour.has(root.id)) continue;
    // Iterative DFS: the stack holds the current path and the next dependency to visit.
    const path: Array<{ id: string; next: number }> = [{ id: root.id, next: 0 }];
    colour.set(root.id, 'grey');
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const dependencies = byId.get(top.id)!.dependsOn;
      if (top.next >= dependencies.length) {
        colour.set(top.id, 'black');
        path.pop();
        continue;
      }
      const dependency = dependencies[top.next]!;
      top.next += 1;
      const state = colour.get(dependency);
      if (state === 'grey') {
        const start = path.findIndex((entry) => entry.id === dependency);
        return [...path.slice(start).map((entry) => entry.id), dependency];
      }
      if (state === undefined) {
        colour.set(dependency, 'grey');
        path.push({ id: dependency, next: 0 });
      }
    }
  }
  return undefined;
}

/**
 * The ids in an order where every step comes after all its dependencies. Ties keep the input
 * order, so the result is deterministic. Throws {@link GraphCycleError} naming the cycle.
 *
 * @example
 * ```ts
 * topologicalOrder([{ id: 'b', dependsOn: ['a'] }, { id: 'a', dependsOn: [] }]); // ['a', 'b']
 * ```
 */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const byId = indexNodes(nodes);
  const position = new Map(nodes.map((node, index) => [node.id, index]));
  const remaining = new Map(nodes.map((node) => [node.id, new Set(node.dependsOn).size]));
  const dependents = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  for (const node of nodes) {
    for (const dependency of new Set(node.dependsOn)) dependents.get(dependency)!.push(node.id);
  }
  const ready = nodes.filter((node) => remaining.get(node.id) === 0).map((node) => node.id);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const dependent of dependents.get(id)!) {
      const left = remaining.get(dependent)! - 1;
      remaining.set(dependent, left);
      if (left === 0) insertByPosition(ready, dependent, position);
    }
  }
  if (order.length < byId.size) {
    throw new GraphCycleError(findCycle(nodes) ?? ['(unknown)']);
  }
  return order;
}

function insertByPosition(list: string[], id: string, position: Map<string, number>): void {
  const rank = position.get(id)!;
  let index = list.length;
  while (index > 0 && position.get(list[index - 1]!)! > rank) index -= 1;
  list.splice(index, 0, id);
}

/**
 * Groups the steps into levels that can run together: level 0 has no dependencies, and every
 * other step sits one level after its deepest dependency. Throws {@link GraphCycleError}.
 *
 * @example
 * ```ts
 * executionLevels([
 *   { id: 'a', dependsOn: [] },
 *   { id: 'b', dependsOn: [] },
 *   { id: 'join', dependsOn: ['a', 'b'] },
 * ]); // [['a', 'b'], ['join']]
 * ```
 */
export function executionLevels(nodes: readonly GraphNode[]): string[][] {
  const order = topologicalOrder(nodes);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const level = new Map<string, number>();
  const levels: string[][] = [];
  for (const id of order) {
    const value = Math.max(-1, ...byId.get(id)!.dependsOn.map((dep) => level.get(dep)!)) + 1;
    level.set(id, value);
    if (levels[value] === undefined) levels[value] = [];
    levels[value]!.push(id);
  }
  return levels;
}

/** The longest chain of dependent steps by estimated duration. */
export interface CriticalPath {
  /** Step ids from the first to run to the last. */
  steps: string[];
  /** Sum of the durations along the path, in seconds. */
  durationSeconds: number;
}

/**
 * The critical path: the chain of dependent steps with the largest total estimated duration,
 * the least wall time the graph needs with unlimited concurrency. Throws {@link GraphCycleError}.
 *
 * @example
 * ```ts
 * criticalPath(steps, { duration: (step) => step.estimatedDurationSeconds });
 * ```
 */
export function criticalPath<T extends GraphNode>(
  nodes: readonly T[],
  options: { duration: (node: T) => number },
): CriticalPath {
  if (nodes.length === 0) return { steps: [], durationSeconds: 0 };
  const order = topologicalOrder(nodes);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const finish = new Map<string, number>();
  const previous = new Map<string, string | undefined>();
  let last = order[0]!;
  for (const id of order) {
    const node = byId.get(id)!;
    let best: string | undefined;
    for (const dependency of node.dependsOn) {
      if (best === undefined || finish.get(dependency)! > finish.get(best)!) best = dependency;
    }
    const own = Math.max(0, options.duration(node));
    finish.set(id, own + (best === undefined ? 0 : finish.get(best)!));
    previous.set(id, best);
    if (finish.get(id)! > finish.get(last)!) last = id;
  }
  const steps: string[] = [];
  for (let id: string | undefined = last; id !== undefined; id = previous.get(id)) {
    steps.unshift(id);
  }
  return { steps, durationSeconds: finish.get(last)! };
}
