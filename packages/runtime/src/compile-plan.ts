import { type ExecutionPlan, TIERS, type Tier, tierRank, ValidationError } from '@baton/core';
import {
  createTaskGraph,
  type StepAgent,
  type StepFallback,
  type TaskGraph,
  type TaskStepInput,
} from './task-graph.js';

/** The part of an `ExecutionPlan` a graph is compiled from (a whole plan works too). */
export type CompilablePlan = Pick<ExecutionPlan, 'strategy'> & {
  agents: readonly StepAgent[];
};

/** Options of {@link compilePlan}. */
export interface CompilePlanOptions {
  /** The task text, kept with the graph. */
  task?: string;
  /** Teaching: the junior's confidence needed to skip the expert. Default 0.7. */
  qualityThreshold?: number;
  /** Adaptive: the classifier confidence above which the cheapest specialist is chosen. Default 0.8. */
  adaptiveThreshold?: number;
  /**
   * Debate: the id of the synthesizer agent. Default: the agent whose `strategyRole` is
   * `synthesizer` (as `@baton/meta-orchestrator` marks it), else one whose id or role mentions "synth".
   */
  synthesizerId?: string;
  /** Add fallbacks to the same agent at each higher tier. Default true. */
  tierFallback?: boolean;
  /** Names of alternative executors (e.g. CLIs) tried in order before higher tiers. */
  executorChain?: readonly string[];
  /** Marks steps whose low-confidence results must be escalated to a person. Default: none. */
  isRisky?: (agent: StepAgent) => boolean;
}

function timeoutOf(agent: StepAgent): number {
  return agent.resourceRequirements?.timeoutSeconds ?? 0;
}

function safeId(raw: string, used: Set<string>): string {
  let base = raw.replace(/[^A-Za-z0-9._@+-]/g, '_');
  if (!/^[A-Za-z0-9]/.test(base)) base = `s${base}`;
  base = base.slice(0, 180);
  let id = base;
  for (let n = 2; used.has(id); n += 1) id = `${base}-${n}`;
  used.add(id);
  return id;
}

function fallbacksFor(agent: StepAgent, options: CompilePlanOptions): StepFallback[] {
  const list: StepFallback[] = (options.executorChain ?? []).map((executor) => ({
    label: `executor ${executor}`,
    executor,
  }));
  if (options.tierFallback !== false && agent.tier !== undefined) {
    for (const tier of TIERS) {
      if (tierRank(tier) > tierRank(agent.tier as Tier)) {
        list.push({ label: `tier ${tier}`, agent: { ...agent, tier } });
      }
    }
  }
  return list;
}

function requireAgents(plan: CompilablePlan, minimum: number, exact?: number): void {
  const count = plan.agents.length;
  if (exact !== undefined && count !== exact) {
    throw new ValidationError(
      'plan.agents',
      `${plan.strategy} needs exactly ${exact} agents, got ${count}`,
    );
  }
  if (count < minimum) {
    throw new ValidationError(
      'plan.agents',
      `${plan.strategy} needs at least ${minimum} agent${minimum === 1 ? '' : 's'}, got ${count}`,
    );
  }
}

/**
 * Compiles an execution plan into a task graph, one step per agent, with the dependencies the
 * strategy implies:
 * - sequential: a chain; each step runs after the previous one even when it failed;
 * - parallel: every agent at once, then a `join` step;
 * - debate: opinions in parallel, then the synthesizer (or a `consensus` join without one);
 * - teaching: junior, then the expert only when the junior failed or was below the threshold;
 * - refinement: a chain that stops at the first failure;
 * - adaptive: the classifier, then only the specialist it selects.
 *
 * @example
 * ```ts
 * const plan = new MetaOrchestrator().analyzeAndCompose('refactor the parser');
 * const graph = compilePlan(plan, { task: 'refactor the parser' });
 * executionLevels(graph.steps); // [['drafter'], ['reviewer'], ['polisher']]
 * ```
 */
export function compilePlan(plan: CompilablePlan, options: CompilePlanOptions = {}): TaskGraph {
  if (plan === null || typeof plan !== 'object' || !Array.isArray(plan.agents)) {
    throw new ValidationError('plan.agents', 'must be a list of agents');
  }
  const used = new Set<string>();
  const strategy = plan.strategy;
  const ids = plan.agents.map((agent, index) => {
    if (agent === null || typeof agent !== 'object' || typeof agent.id !== 'string') {
      throw new ValidationError(`plan.agents.${index}.id`, 'must be a non-empty string');
    }
    return safeId(agent.id, used);
  });
  const agentStep = (index: number, extra: Partial<TaskStepInput> = {}): TaskStepInput => {
    const agent = plan.agents[index]!;
    return {
      id: ids[index]!,
      label: agent.id,
      kind: 'agent',
      agent: { ...agent },
      strategy,
      estimatedDurationSeconds: timeoutOf(agent),
      fallbacks: fallbacksFor(agent, options),
      risky: options.isRisky?.(agent) ?? false,
      ...extra,
    };
  };
  let steps: TaskStepInput[];
  switch (strategy) {
    case 'sequential':
      requireAgents(plan, 1);
      steps = plan.agents.map((_, index) =>
        agentStep(index, {
          dependsOn: index === 0 ? [] : [ids[index - 1]!],
          onDependencyFailure: 'run',
        }),
      );
      break;
    case 'refinement':
      requireAgents(plan, 2);
      steps = plan.agents.map((_, index) =>
        agentStep(index, {
          dependsOn: index === 0 ? [] : [ids[index - 1]!],
          parentId: 'refinement',
        }),
      );
      break;
    case 'parallel': {
      requireAgents(plan, 1);
      steps = plan.agents.map((_, index) => agentStep(index, { parentId: 'parallel' }));
      steps.push({
        id: safeId('join', used),
        label: 'join',
        kind: 'join',
        dependsOn: [...ids],
        onDependencyFailure: 'run',
        strategy,
      });
      break;
    }
    case 'debate': {
      requireAgents(plan, 2);
      const byRole = plan.agents.findIndex(
        (agent) => (agent as { strategyRole?: unknown }).strategyRole === 'synthesizer',
      );
      const synthIndex =
        options.synthesizerId !== undefined
          ? plan.agents.findIndex((agent) => agent.id === options.synthesizerId)
          : byRole >= 0
            ? byRole
            : plan.agents.findIndex((agent) =>
                /synth/i.test(`${agent.id} ${String((agent as { role?: unknown }).role ?? '')}`),
              );
      if (options.synthesizerId !== undefined && synthIndex < 0) {
        throw new ValidationError(
          'synthesizerId',
          `no agent "${options.synthesizerId}" in the plan`,
        );
      }
      const opinionIds = ids.filter((_, index) => index !== synthIndex);
      steps = plan.agents.map((_, index) =>
        index === synthIndex
          ? agentStep(index, {
              dependsOn: opinionIds,
              onDependencyFailure: 'run',
              parentId: 'debate.synthesis',
            })
          : agentStep(index, { parentId: 'debate.opinions' }),
      );
      if (synthIndex < 0) {
        steps.push({
          id: safeId('consensus', used),
          label: 'consensus',
          kind: 'join',
          dependsOn: opinionIds,
          onDependencyFailure: 'run',
          strategy,
        });
      }
      break;
    }
    case 'teaching':
      requireAgents(plan, 2, 2);
      steps = [
        agentStep(0, { critical: false, parentId: 'teaching' }),
        agentStep(1, {
          dependsOn: [ids[0]!],
          onDependencyFailure: 'run',
          parentId: 'teaching',
          condition: {
            type: 'below-confidence',
            stepId: ids[0]!,
            threshold: options.qualityThreshold ?? 0.7,
          },
        }),
      ];
      break;
    case 'adaptive': {
      requireAgents(plan, 2);
      const candidates = ids.slice(1);
      steps = plan.agents.map((_, index) =>
        index === 0
          ? agentStep(0, { critical: false, parentId: 'adaptive' })
          : agentStep(index, {
              dependsOn: [ids[0]!],
              onDependencyFailure: 'run',
              parentId: 'adaptive',
              condition: {
                type: 'adaptive-select',
                classifierStepId: ids[0]!,
                candidates,
                threshold: options.adaptiveThreshold ?? 0.8,
              },
            }),
      );
      break;
    }
    default:
      throw new ValidationError('plan.strategy', `Unknown strategy: ${String(strategy)}`);
  }
  return createTaskGraph(
    { task: options.task, strategy, source: 'plan', steps },
    { label: 'plan' },
  );
}
