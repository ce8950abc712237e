import {
  type AgentTemplate,
  BatonError,
  BatonErrorCode,
  type CompositionPattern,
  type QualityGates,
  type TaskRequirements,
  type Tier,
  tierRank,
} from '@baton/core';
import type { TemplateRegistry } from '@baton/templates';
import { z } from 'zod';
import {
  defaultAgentId,
  describeStrategyRole,
  type PlannedAgent,
  type StrategyRole,
  spawnAgent,
} from './agent-factory.js';
import { DOMAIN_TEMPLATES } from './task-keywords.js';

/** The strategy rules of §3, in the order they are tried; the first that applies wins. */
export const StrategyRule = {
  /** The task is parallelizable -> parallel. */
  PARALLELIZABLE: 'parallelizable',
  /** Security or architecture task -> parallel. */
  SECURITY_OR_ARCHITECTURE: 'security_or_architecture',
  /** Documentation task -> teaching. */
  DOCUMENTATION: 'documentation',
  /** Refactoring task -> refinement. */
  REFACTORING: 'refactoring',
  /** Exactly one template selected -> sequential. */
  SINGLE_AGENT: 'single_agent',
  /** A capability is needed more than once -> debate. */
  DUPLICATE_CAPABILITIES: 'duplicate_capabilities',
  /** Testing task -> sequential. */
  TESTING: 'testing',
  /** Complex task -> adaptive. */
  COMPLEX: 'complex',
  /** Nothing else applied -> sequential. */
  DEFAULT: 'default',
  /** Not a rule: the plan is a pre-built composition (`MetaOrchestrator.composePrebuilt`). */
  PREBUILT: 'prebuilt',
} as const;
/** The name of the strategy rule that fired, e.g. `"documentation"`. */
export type StrategyRule = (typeof StrategyRule)[keyof typeof StrategyRule];
/** Schema of a {@link StrategyRule}. */
export const strategyRuleSchema = z.enum(
  Object.values(StrategyRule) as [StrategyRule, ...StrategyRule[]],
);

/** The templates chosen for a task. */
export interface TemplateSelection {
  templates: AgentTemplate[];
  reasons: string[];
}

/**
 * For each needed capability, the first template (in registry order) that has it, without
 * duplicates; none at all -> the domain's default template (GENERAL -> code_reviewer).
 *
 * @throws BatonError `BATON_CONFIGURATION` "No agents available for domain: X" when even the
 *   default template is missing from the registry.
 */
export function selectTemplates(
  requirements: TaskRequirements,
  registry: TemplateRegistry,
): TemplateSelection {
  const chosen = new Map<string, { template: AgentTemplate; capabilities: string[] }>();
  const unmatched: string[] = [];
  for (const capability of requirements.capabilitiesNeeded) {
    const [template] = registry.getByCapability(capability);
    if (template === undefined) {
      if (!unmatched.includes(capability)) unmatched.push(capability);
      continue;
    }
    const entry = chosen.get(template.id) ?? { template, capabilities: [] };
    if (!entry.capabilities.includes(capability)) entry.capabilities.push(capability);
    chosen.set(template.id, entry);
  }
  const reasons = [...chosen.values()].map(
    ({ template, capabilities }) =>
      `agent ${template.id}: first template with ${capabilities.join(', ')}`,
  );
  if (unmatched.length > 0) {
    reasons.push(`no template has ${unmatched.map((name) => `"${name}"`).join(', ')}`);
  }
  if (chosen.size > 0)
    return { templates: [...chosen.values()].map((entry) => entry.template), reasons };

  const fallbackId = DOMAIN_TEMPLATES[requirements.domain];
  const fallback = registry.get(fallbackId);
  if (fallback === undefined) {
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      `No agents available for domain: ${requirements.domain}`,
    );
  }
  reasons.push(
    `agent ${fallback.id}: the ${requirements.domain} domain's default template (no capability matched a template)`,
  );
  return { templates: [fallback], reasons };
}

/** The strategy for a task and its selected templates, with the rule that fired. */
export function chooseStrategy(
  requirements: TaskRequirements,
  templateCount: number,
): { strategy: CompositionPattern; rule: StrategyRule; reason: string } {
  const { domain, complexity, parallelizable, capabilitiesNeeded } = requirements;
  const pick = (strategy: CompositionPattern, rule: StrategyRule, why: string) => ({
    strategy,
    rule,
    reason: `strategy ${strategy}: ${why} (rule ${rule})`,
  });
  if (parallelizable) return pick('parallel', 'parallelizable', 'the task is parallelizable');
  if (domain === 'security' || domain === 'architecture') {
    return pick('parallel', 'security_or_architecture', `${domain} tasks run independent checks`);
  }
  if (domain === 'documentation') {
    return pick('teaching', 'documentation', 'documentation: a cheap junior with an expert backup');
  }
  if (domain === 'refactoring') {
    return pick('refinement', 'refactoring', 'refactoring: draft, review, polish');
  }
  if (templateCount === 1) return pick('sequential', 'single_agent', 'exactly one agent');
  const repeated = capabilitiesNeeded.filter(
    (capability, index) => capabilitiesNeeded.indexOf(capability) !== index,
  );
  if (repeated.length > 0) {
    return pick('debate', 'duplicate_capabilities', `"${repeated[0]}" is needed more than once`);
  }
  if (domain === 'testing')
    return pick('sequential', 'testing', 'testing steps build on each other');
  if (complexity === 'complex') {
    return pick('adaptive', 'complex', 'a complex task: a classifier routes it to the right tier');
  }
  return pick('sequential', 'default', 'no other rule applied');
}

const atLeastCapable = (tier: Tier): Tier =>
  tierRank(tier) < tierRank('CAPABLE') ? 'CAPABLE' : tier;

interface Spawn {
  template: AgentTemplate;
  tier: Tier;
  role: StrategyRole;
  roleInstructions?: string;
}

/**
 * Spawns the team for a strategy so that the plan is executable by `@baton/strategies`:
 * - sequential / parallel: each template once at its preferred tier (`step` / `worker`);
 * - debate: each template at its tier (`perspective`, at least two) + a synthesizer (the domain's
 *   default template, else the first, at least CAPABLE), listed last;
 * - teaching: exactly [junior (CHEAP), expert (template tier, at least CAPABLE)];
 * - refinement: [drafter CHEAP, reviewer CAPABLE, polisher PREMIUM];
 * - adaptive: [classifier CHEAP, cheap specialist CHEAP, premium specialist PREMIUM].
 * Teaching, refinement and adaptive use the first selected template; the others are reported
 * in the reasons. Agent ids are unique in the plan.
 */
export function composeTeam(options: {
  strategy: CompositionPattern;
  templates: readonly AgentTemplate[];
  requirements: TaskRequirements;
  registry: TemplateRegistry;
  task: string;
  qualityGates: QualityGates;
}): { agents: PlannedAgent[]; reasons: string[] } {
  const { strategy, templates, requirements, registry, task, qualityGates } = options;
  const [primary] = templates;
  if (primary === undefined) throw new Error('composeTeam needs at least one template');
  const reasons: string[] = [];
  const spawns: Spawn[] = [];
  const onlyPrimary = (what: string): void => {
    const unused = templates.slice(1).map((template) => template.id);
    if (unused.length > 0) {
      reasons.push(`${what} uses one template (${primary.id}); not used: ${unused.join(', ')}`);
    }
  };

  switch (strategy) {
    case 'sequential':
      templates.forEach((template, index) => {
        spawns.push({
          template,
          tier: template.tierPreference,
          role: 'step',
          roleInstructions: `You are step ${index + 1} of ${templates.length} of a sequential pipeline. ${
            index === 0
              ? 'You go first.'
              : 'The outputs of earlier steps are in your context under their agent ids: build on them rather than repeating their work.'
          }`,
        });
      });
      break;
    case 'parallel':
      for (const template of templates) {
        spawns.push({ template, tier: template.tierPreference, role: 'worker' });
      }
      break;
    case 'debate': {
      for (const template of templates) {
        spawns.push({ template, tier: template.tierPreference, role: 'perspective' });
      }
      if (templates.length === 1) {
        // Never happens with the built-in rules (one agent is sequential), but keep it runnable.
        spawns.push({
          template: primary,
          tier: primary.tierPreference === 'PREMIUM' ? 'CAPABLE' : 'PREMIUM',
          role: 'perspective',
        });
      }
      const synthesizer = registry.get(DOMAIN_TEMPLATES[requirements.domain]) ?? primary;
      spawns.push({
        template: synthesizer,
        tier: atLeastCapable(synthesizer.tierPreference),
        role: 'synthesizer',
      });
      reasons.push(
        `debate: ${spawns.length - 1} perspectives and a synthesizer (${synthesizer.id})`,
      );
      break;
    }
    case 'teaching':
      onlyPrimary('teaching');
      spawns.push({ template: primary, tier: 'CHEAP', role: 'junior' });
      spawns.push({
        template: primary,
        tier: atLeastCapable(primary.tierPreference),
        role: 'expert',
      });
      reasons.push(
        'teaching: a CHEAP junior, and an expert at the template tier (at least CAPABLE)',
      );
      break;
    case 'refinement':
      onlyPrimary('refinement');
      spawns.push({ template: primary, tier: 'CHEAP', role: 'drafter' });
      spawns.push({ template: primary, tier: 'CAPABLE', role: 'reviewer' });
      spawns.push({ template: primary, tier: 'PREMIUM', role: 'polisher' });
      reasons.push('refinement: drafter CHEAP, reviewer CAPABLE, polisher PREMIUM');
      break;
    case 'adaptive':
      onlyPrimary('adaptive');
      spawns.push({ template: primary, tier: 'CHEAP', role: 'classifier' });
      spawns.push({ template: primary, tier: 'CHEAP', role: 'specialist' });
      spawns.push({ template: primary, tier: 'PREMIUM', role: 'specialist' });
      reasons.push('adaptive: a CHEAP classifier, then a CHEAP or a PREMIUM specialist');
      break;
  }

  const used = new Set<string>();
  const agents = spawns.map((spawn) => {
    const base = defaultAgentId(spawn.template.id, spawn.role, spawn.tier);
    let id = base;
    for (let suffix = 2; used.has(id); suffix += 1) id = `${base}__${suffix}`;
    used.add(id);
    return spawnAgent(spawn.template, {
      tier: spawn.tier,
      task,
      role: spawn.role,
      id,
      roleInstructions: spawn.roleInstructions ?? describeStrategyRole(spawn.role, spawn.tier),
      qualityGates,
    });
  });
  return { agents, reasons };
}
