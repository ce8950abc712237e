/**
 * Baton's agent templates: the seven built-in archetypes, validated custom templates, isolated
 * registries and template files. Templates are data; `@baton/meta-orchestrator` spawns agents
 * from them.
 *
 * @example
 * ```ts
 * import { getTemplate, getTemplatesByTier, registerTemplate } from '@baton/templates';
 *
 * getTemplate('security_auditor')?.tierPreference; // "PREMIUM"
 * getTemplatesByTier('CHEAP').map((template) => template.id); // ["documentation_writer"]
 * ```
 *
 * @packageDocumentation
 */
export { type AgentFromTemplateOptions, agentFromTemplate } from './agent-from-template.js';
export { BUILT_IN_TEMPLATES, BuiltInTemplateId } from './built-in-templates.js';
export { type DefineTemplateOptions, defineTemplate } from './define-template.js';
export { type LoadTemplatesOptions, loadTemplatesFromFile } from './load-templates.js';
export { type ParseTemplatesOptions, parseTemplates } from './template-document.js';
export {
  defaultTemplateRegistry,
  getAllTemplates,
  getTemplate,
  getTemplatesByCapability,
  getTemplatesByTier,
  type RegisterTemplateOptions,
  registerTemplate,
  TemplateRegistry,
  type TemplateRegistryOptions,
} from './template-registry.js';
