import {
  type AgentTemplate,
  type AgentTemplateInput,
  agentTemplateSchema,
  parseWith,
  ValidationError,
} from '@baton/core';
import { deepFreeze } from './deep-freeze.js';

/** Options of {@link defineTemplate}. */
export interface DefineTemplateOptions {
  /** Prefix for field names in error messages, e.g. `[2]` gives `[2].role: ...`. */
  label?: string;
}

/**
 * Validates a template, applies the defaults (no tools, no quality gates, resource requirements
 * 1000 / 10000 tokens, 300 s, 512 MB) and returns it deeply frozen.
 *
 * Every rule is checked at once and reported in one `ValidationError` whose message names each
 * offending field, e.g. `resourceRequirements.maxTokens: must be >= minTokens (2000)`.
 *
 * @example
 * ```ts
 * const pipelineExpert = defineTemplate({
 *   id: 'data_pipeline_expert',
 *   role: 'Data Pipeline Specialist',
 *   capabilities: ['pipeline_design', 'data_validation'],
 *   tierPreference: 'CAPABLE',
 *   tools: ['spark', 'dbt'],
 *   defaultInstructions: 'You are a data pipeline expert. Design scalable, tested pipelines.',
 *   qualityGates: { min_data_quality: 99 },
 *   resourceRequirements: { minTokens: 3000, maxTokens: 20000, timeoutSeconds: 900 },
 * });
 * ```
 * @throws ValidationError naming every offending field (quality gates must be plain data), or
 *   `template` (the label, when given) when the input is not an object.
 */
export function defineTemplate(
  input: AgentTemplateInput,
  options: DefineTemplateOptions = {},
): AgentTemplate {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
    throw new ValidationError(options.label ?? 'template', `must be an object (got ${got})`);
  }
  const template = parseWith(
    agentTemplateSchema,
    input,
    options.label === undefined ? {} : { label: options.label },
  );
  // Gates hold arbitrary values: copy them, so freezing never reaches into the caller's objects.
  let qualityGates: AgentTemplate['qualityGates'];
  try {
    qualityGates = structuredClone(template.qualityGates);
  } catch {
    const field = [options.label, 'qualityGates'].filter(Boolean).join('.');
    throw new ValidationError(
      field,
      'must hold plain data (numbers, strings, booleans, lists, objects)',
    );
  }
  return deepFreeze({ ...template, qualityGates });
}
