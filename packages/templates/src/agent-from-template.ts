import {
  type Agent,
  type AgentTemplate,
  agentSchema,
  agentTemplateSchema,
  parseWith,
  type Tier,
  tierSchema,
} from '@baton/core';

/** Options of {@link agentFromTemplate}. */
export interface AgentFromTemplateOptions {
  /** The tier to run at. Default: the template's `tierPreference`. */
  tier?: Tier | undefined;
  /** The agent's id. Default: the template id. */
  id?: string | undefined;
}

/**
 * An agent of a template at a tier: the template's role, capabilities, tools, gates, resource
 * limits and default instructions, with no task yet (the meta-orchestrator's `spawnAgent` adds
 * the task and the agent's part in its strategy; a stored composition's agents get the task of
 * each run). This is how a team written as references, `{ templateId: 'security_auditor', tier:
 * 'PREMIUM' }`, becomes agents.
 *
 * @example
 * ```ts
 * const auditor = agentFromTemplate(getTemplate('security_auditor')!, { tier: 'PREMIUM' });
 * auditor.id; // "security_auditor"
 * ```
 * @throws ValidationError naming `template.<field>`, `tier` or `agent.id`.
 */
export function agentFromTemplate(
  template: AgentTemplate,
  options: AgentFromTemplateOptions = {},
): Agent {
  const checked = parseWith(agentTemplateSchema, template, { label: 'template' });
  const tier = parseWith(tierSchema, options.tier ?? checked.tierPreference, { label: 'tier' });
  return parseWith(
    agentSchema,
    {
      id: options.id ?? checked.id,
      templateId: checked.id,
      role: checked.role,
      tier,
      instructions: checked.defaultInstructions,
      capabilities: [...checked.capabilities],
      tools: [...checked.tools],
      qualityGates: { ...checked.qualityGates },
      resourceRequirements: { ...checked.resourceRequirements },
    },
    { label: 'agent' },
  );
}
