import { describe, expect, it } from 'vitest';
import {
  criticalPath,
  executionLevels,
  findCycle,
  GraphCycleError,
  type GraphNode,
  topologicalOrder,
} from './graph-algorithms.js';

/** Deterministic PRNG (mulberry32) so property runs are reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface WeightedNode extends GraphNode {
  duration: number;
}

/** A random DAG: edges only go from a lower hidden rank to a higher one; output order shuffled. */
function randomDag(rand: () => number, size: number, density: number): WeightedNode[] {
  const nodes: WeightedNode[] = [];
  for (let rank = 0; rank < size; rank += 1) {
    const dependsOn: string[] = [];
    for (let earlier = 0; earlier < rank; earlier += 1) {
      if (rand() < density) dependsOn.push(`n${earlier}`);
    }
    nodes.push({ id: `n${rank}`, dependsOn, duration: Math.floor(rand() * 10) });
  }
  for (let index = nodes.length - 1; index > 0; index -= 1) {
    const other = Math.floor(rand() * (index + 1));
    [nodes[index], nodes[other]] = [nodes[other]!, nodes[index]!];
  }
  return nodes;
}

function longestPathBruteForce(nodes: WeightedNode[]): number {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const memo = new Map<string, number>();
  const longest = (id: string): number => {
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const value = node.duration + Math.max(0, ...node.dependsOn.map(longest));
    memo.set(id, value);
    return value;
  };
  return Math.max(0, ...nodes.map((node) => longest(node.id)));
}

describe('graph utilities on random DAGs (property-style, 300 seeded cases)', () => {
  const cases = Array.from({ length: 300 }, (_, seed) => seed);

  it('topologicalOrder lists every node once, after all of its dependencies', () => {
    for (const seed of cases) {
      const rand = random(seed);
      const nodes = randomDag(rand, 1 + Math.floor(rand() * 30), rand());
      const order = topologicalOrder(nodes);
      expect(new Set(order).size).toBe(nodes.length);
      const position = new Map(order.map((id, index) => [id, index]));
      for (const node of nodes) {
        for (const dependency of node.dependsOn) {
          expect(position.get(dependency)!).toBeLessThan(position.get(node.id)!);
        }
      }
      expect(findCycle(nodes)).toBeUndefined();
    }
  });

  it('executionLevels puts each node one level after its deepest dependency', () => {
    for (const seed of cases) {
      const rand = random(seed + 1000);
      const nodes = randomDag(rand, 1 + Math.floor(rand() * 30), rand());
      const levels = executionLevels(nodes);
      const levelOf = new Map<string, number>();
      levels.forEach((level, index) => {
        for (const id of level) levelOf.set(id, index);
      });
      expect(levelOf.size).toBe(nodes.length);
      for (const node of nodes) {
        const expected =
          node.dependsOn.length === 0
            ? 0
            : Math.max(...node.dependsOn.map((d) => levelOf.get(d)!)) + 1;
        expect(levelOf.get(node.id)).toBe(expected);
      }
      for (const level of levels) expect(level.length).toBeGreaterThan(0);
    }
  });

  it('criticalPath is a real dependency chain whose length is the longest path', () => {
    for (const seed of cases) {
      const rand = random(seed + 2000);
      const nodes = randomDag(rand, 1 + Math.floor(rand() * 30), rand());
      const byId = new Map(nodes.map((node) => [node.id, node]));
      const path = criticalPath(nodes, { duration: (node) => node.duration });
      expect(path.durationSeconds).toBe(longestPathBruteForce(nodes));
      expect(path.steps.reduce((sum, id) => sum + byId.get(id)!.duration, 0)).toBe(
        path.durationSeconds,
      );
      for (let index = 1; index < path.steps.length; index += 1) {
        expect(byId.get(path.steps[index]!)!.dependsOn).toContain(path.steps[index - 1]);
      }
    }
  });

  it('findCycle names a real cycle when a back edge is added', () => {
    let checked = 0;
    for (const seed of cases) {
      const rand = random(seed + 3000);
      const nodes = randomDag(rand, 2 + Math.floor(rand() * 30), 0.3 + rand() * 0.5);
      const withDeps = nodes.filter((node) => node.dependsOn.length > 0);
      if (withDeps.length === 0) continue;
      // Close a cycle: make a dependency of some node depend on that node.
      const target = withDeps[Math.floor(rand() * withDeps.length)]!;
      const dependency = nodes.find((node) => node.id === target.dependsOn[0])!;
      dependency.dependsOn = [...dependency.dependsOn, target.id];
      const cycle = findCycle(nodes);
      expect(cycle).toBeDefined();
      const byId = new Map(nodes.map((node) => [node.id, node]));
      expect(cycle![0]).toBe(cycle![cycle!.length - 1]);
      for (let index = 1; index < cycle!.length; index += 1) {
        expect(byId.get(cycle![index - 1]!)!.dependsOn).toContain(cycle![index]);
      }
      expect(() => topologicalOrder(nodes)).toThrow(GraphCycleError);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('graph utilities, examples', () => {
  it('names the cycle in the error message', () => {
    const nodes = [
      { id: 'a', dependsOn: ['c'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
    ];
    expect(findCycle(nodes)).toEqual(['a', 'c', 'b', 'a']);
    expect(() => topologicalOrder(nodes)).toThrow('steps: dependency cycle: a -> c -> b -> a');
  });

  it('rejects unknown dependencies and duplicate ids naming the field', () => {
    expect(() => topologicalOrder([{ id: 'a', dependsOn: ['zzz'] }])).toThrow(
      'steps.0.dependsOn.0: unknown step "zzz"',
    );
    expect(() =>
      topologicalOrder([
        { id: 'a', dependsOn: [] },
        { id: 'a', dependsOn: [] },
      ]),
    ).toThrow('steps.1.id: duplicate step id "a"');
  });

  it('keeps input order among independent steps and groups a fan-out', () => {
    const nodes = [
      { id: 'x', dependsOn: [] },
      { id: 'b', dependsOn: [] },
      { id: 'join', dependsOn: ['x', 'b'] },
    ];
    expect(topologicalOrder(nodes)).toEqual(['x', 'b', 'join']);
    expect(executionLevels(nodes)).toEqual([['x', 'b'], ['join']]);
    expect(criticalPath([], { duration: () => 1 })).toEqual({ steps: [], durationSeconds: 0 });
  });
});
