import {
  type Agent,
  type AgentTemplate,
  agentSchema,
  agentTemplateSchema,
  parseWith,
  type QualityGates,
  type Tier,
  tierSchema,
  ValidationError,
} from '@baton/core';
import { agentFromTemplate } from '@baton/templates';
import { z } from 'zod';

/** The part an agent plays in its strategy. */
export const StrategyRole = {
  /** One step of a sequential pipeline. */
  STEP: 'step',
  /** One of several agents working in parallel on the same input. */
  WORKER: 'worker',
  /** One opinion in a debate. */
  PERSPECTIVE: 'perspective',
  /** Reconciles a debate's opinions. */
  SYNTHESIZER: 'synthesizer',
  /** The cheap first attempt of a teaching pair. */
  JUNIOR: 'junior',
  /** Takes over when the junior is not confident enough. */
  EXPERT: 'expert',
  /** Refinement stage 1. */
  DRAFTER: 'drafter',
  /** Refinement stage 2. */
  REVIEWER: 'reviewer',
  /** Refinement stage 3. */
  POLISHER: 'polisher',
  /** Adaptive routing: judges the task and picks a specialist. */
  CLASSIFIER: 'classifier',
  /** Adaptive routing: one of the specialists the classifier chooses between. */
  SPECIALIST: 'specialist',
} as const;
/** The part an agent plays in its strategy, e.g. `"junior"`. */
export type StrategyRole = (typeof StrategyRole)[keyof typeof StrategyRole];
/** Schema of a {@link StrategyRole}. */
export const strategyRoleSchema = z.enum(
  Object.values(StrategyRole) as [StrategyRole, ...StrategyRole[]],
);

/** A core {@link Agent} plus the part it plays in the plan's strategy. */
export const plannedAgentSchema = agentSchema.extend({
  /** The part the agent plays in the plan's strategy. */
  strategyRole: strategyRoleSchema,
});
/** A core {@link Agent} plus the part it plays in the plan's strategy. */
export type PlannedAgent = z.output<typeof plannedAgentSchema>;

/** Options of {@link spawnAgent}. */
export interface SpawnAgentOptions {
  /** The tier to run at (need not be the template's preference). */
  tier: Tier;
  /** The task the agent works on; it is written into the instructions. */
  task: string;
  /** The agent's part in the strategy (default `step`). */
  role?: StrategyRole;
  /**
   * Id unique in the plan. Default: the template id for `step`, `worker` and `perspective`,
   * `<template>__<tier>_specialist` for specialists, `<template>__<role>` otherwise.
   */
  id?: string;
  /** What the agent is to do in its strategy; default: a standard text for the role. */
  roleInstructions?: string;
  /** Plan-wide quality gates, quoted in the instructions. */
  qualityGates?: QualityGates;
}

const ROLE_LABELS: Readonly<Record<StrategyRole, string | undefined>> = {
  step: undefined,
  worker: undefined,
  perspective: undefined,
  synthesizer: 'synthesizer',
  junior: 'junior',
  expert: 'expert',
  drafter: 'drafter',
  reviewer: 'reviewer',
  polisher: 'polisher',
  classifier: 'classifier',
  specialist: 'specialist',
};

/** The standard text telling an agent what its role in the strategy is. */
export function describeStrategyRole(role: StrategyRole, tier: Tier): string {
  switch (role) {
    case 'step':
      return 'You are one step of a sequential pipeline. The outputs of earlier steps are in your context under their agent ids: build on them rather than repeating their work.';
    case 'worker':
      return 'You work in parallel with other agents on the same input. Give your own complete, independent result for your specialty; do not wait for or assume the others.';
    case 'perspective':
      return 'You are one perspective in a debate. Give your independent opinion, the evidence for it and your confidence (0..1). A synthesizer will weigh it against the other opinions.';
    case 'synthesizer':
      return 'You are the synthesizer of a debate. Your context holds every participant’s opinion and the vote. Reconcile them: say where they agree, resolve each conflict with reasons, and give one final recommendation.';
    case 'junior':
      return 'You are the junior of a teaching pair. Attempt the whole task and report your confidence (0..1) honestly: below the threshold, an expert takes over with your attempt in their context.';
    case 'expert':
      return 'You are the expert of a teaching pair. You run only when the junior was not confident enough; the junior’s attempt is in your context. Correct and complete it, and say what you changed.';
    case 'drafter':
      return 'You are stage 1 of 3 in a refinement chain (draft). Produce a complete first version; the reviewer and the polisher will improve it.';
    case 'reviewer':
      return 'You are stage 2 of 3 in a refinement chain (review). The draft is in your context: find its errors and gaps and produce an improved version.';
    case 'polisher':
      return 'You are stage 3 of 3 in a refinement chain (polish). The reviewed version is in your context: produce the final, polished result.';
    case 'classifier':
      return 'You are the classifier of an adaptive team. Judge how hard the task is and report your confidence (0..1) that it is routine: above the routing threshold a cheap specialist handles it, otherwise a premium specialist.';
    case 'specialist':
      return `You are the ${tier === 'CHEAP' ? 'cheap' : tier === 'PREMIUM' ? 'premium' : 'capable'} specialist of an adaptive team, chosen by the classifier; its classification is in your context. Do the whole task.`;
  }
}

/** The default id of an agent spawned from `templateId` for `role` at `tier`. */
export function defaultAgentId(templateId: string, role: StrategyRole, tier: Tier): string {
  if (role === 'step' || role === 'worker' || role === 'perspective') return templateId;
  if (role === 'specialist') return `${templateId}__${tier.toLowerCase()}_specialist`;
  return `${templateId}__${role}`;
}

function formatGates(gates: QualityGates): string {
  return Object.entries(gates)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join(', ');
}

/**
 * The agent factory: spawns a template at a tier for one task. The agent keeps the template's
 * capabilities, tools, gates and resource limits; its instructions are the template's default
 * instructions followed by the task and the agent's role in the strategy.
 *
 * @example
 * ```ts
 * const junior = spawnAgent(getTemplate('documentation_writer')!, {
 *   tier: 'CHEAP',
 *   task: 'Update the API documentation',
 *   role: 'junior',
 * });
 * junior.id; // "documentation_writer__junior"
 * ```
 * @throws ValidationError naming `template.<field>`, `options`, `tier`, `task`, `role` or `id`.
 */
export function spawnAgent(template: AgentTemplate, options: SpawnAgentOptions): PlannedAgent {
  const checked = parseWith(agentTemplateSchema, template, { label: 'template' });
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'must be an object with tier and task');
  }
  const tier = parseWith(tierSchema, options.tier, { label: 'tier' });
  if (typeof options.task !== 'string' || options.task.trim() === '') {
    throw new ValidationError('task', 'must be a non-empty string');
  }
  const role = parseWith(strategyRoleSchema, options.role ?? 'step', { label: 'role' });
  const id = options.id ?? defaultAgentId(checked.id, role, tier);
  const label = ROLE_LABELS[role];
  const sections = [
    checked.defaultInstructions,
    `## Task\n${options.task.trim()}`,
    `## Your part\n${options.roleInstructions ?? describeStrategyRole(role, tier)}`,
  ];
  const gates = options.qualityGates ?? {};
  if (Object.keys(gates).length > 0) {
    sections.push(`## Quality gates for this task\n${formatGates(gates)}`);
  }
  if (Object.keys(checked.qualityGates).length > 0) {
    sections.push(`## Your own quality gates\n${formatGates(checked.qualityGates)}`);
  }
  const base = agentFromTemplate(checked, { tier, id });
  const agent: Agent = {
    ...base,
    role: label === undefined ? base.role : `${base.role} (${label})`,
    instructions: sections.join('\n\n'),
  };
  return { ...agent, strategyRole: role };
}

const TASK_SECTION = /## Task\n[\s\S]*?(?=\n\n## |$)/;

/**
 * An agent retargeted at a new task, e.g. one of a stored composition that is reused for the
 * next task of its kind. Its instructions keep everything {@link spawnAgent} wrote (the
 * template's text, the agent's part, the gates) with the `## Task` section replaced; an agent
 * whose instructions have no such section gets one appended. Every other field is kept.
 *
 * @example
 * ```ts
 * const reviewer = spawnAgent(getTemplate('code_reviewer')!, { tier: 'CAPABLE', task: 'Review a' });
 * const next = retaskAgent(reviewer, 'Review b');
 * next.instructions.includes('## Task\nReview b'); // true
 * ```
 * @throws ValidationError naming `task` when it is empty, blank or not a string, or
 *   `agent.instructions` when the agent has none.
 */
export function retaskAgent<T extends Agent>(agent: T, task: string): T {
  if (typeof agent?.instructions !== 'string') {
    throw new ValidationError('agent.instructions', 'must be a string');
  }
  if (typeof task !== 'string' || task.trim() === '') {
    throw new ValidationError('task', 'must be a non-empty string');
  }
  const section = `## Task\n${task.trim()}`;
  const instructions = TASK_SECTION.test(agent.instructions)
    ? agent.instructions.replace(TASK_SECTION, () => section)
    : `${agent.instructions}\n\n${section}`;
  return { ...agent, instructions };
}
