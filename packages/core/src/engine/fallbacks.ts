import { TIERS, type Tier, tierRank } from '../constants.js';
import type { StepAgent, StepFallback, TaskGraph, TaskStep } from './task-graph.js';

/** One way to run a step: its own agent (`primary`) or one of its fallbacks. */
export interface StepCandidate {
  /** `primary` or the fallback's label. */
  via: string;
  agent: StepAgent;
  /** A key of the engine's `executors` map; the default executor when undefined. */
  executorName: string | undefined;
}

/** The ways to run a step, in the order they are tried. */
export function candidatesOf(step: TaskStep): StepCandidate[] {
  const primary: StepCandidate = { via: 'primary', agent: step.agent!, executorName: undefined };
  if (step.fallbacks.length === 0) return [primary];
  return [
    primary,
    ...step.fallbacks.map((fallback) => ({
      via: fallback.label,
      agent: fallback.agent ?? step.agent!,
      executorName: fallback.executor,
    })),
  ];
}

/** Options of {@link withFallbacks}. */
export interface FallbackOptions {
  /**
   * Names of other executors (keys of the engine's `executors`, e.g. one per CLI) tried in order,
   * at the same tier, when a step's agent fails for good.
   */
  executors?: readonly string[] | undefined;
  /**
   * Then the same agent at each higher tier. Default true. Steps the strategy recovers from
   * itself (`escalate: false`: a teaching junior, an adaptive classifier, a debate opinion) get
   * no tier fallbacks: moving them up a tier would undo the strategy.
   */
  tiers?: boolean | undefined;
}

/**
 * The graph with fallbacks added to every agent step: other executors first, then higher tiers.
 *
 * @example
 * ```ts
 * const graph = withFallbacks(teachingGraph, { executors: ['codex'] });
 * graph.steps[1].fallbacks; // [{ label: 'executor codex', executor: 'codex' }, { label: 'tier PREMIUM', agent: ... }]
 * ```
 */
export function withFallbacks(graph: TaskGraph, options: FallbackOptions = {}): TaskGraph {
  const executors = options.executors ?? [];
  const tiers = options.tiers !== false;
  return {
    ...graph,
    steps: graph.steps.map((step) => {
      if (step.kind !== 'agent' || step.agent === undefined) return step;
      const agent = step.agent;
      const fallbacks: StepFallback[] = executors.map((executor) => ({
        label: `executor ${executor}`,
        executor,
      }));
      if (tiers && step.escalate && agent.tier !== undefined) {
        for (const tier of TIERS) {
          if (tierRank(tier) > tierRank(agent.tier as Tier)) {
            fallbacks.push({ label: `tier ${tier}`, agent: { ...agent, tier } });
          }
        }
      }
      return fallbacks.length === 0
        ? step
        : { ...step, fallbacks: [...step.fallbacks, ...fallbacks] };
    }),
  };
}
