import {
  type AgentTemplate,
  type AgentTemplateInput,
  ValidationError,
  type ValidationIssue,
} from '@baton/core';
import { defineTemplate } from './define-template.js';

/** Options of {@link parseTemplates}. */
export interface ParseTemplatesOptions {
  /** Where the data came from (a file name); prefixed to every error field, e.g. `templates.yaml: [1].role`. */
  source?: string;
}

/** snake_case spelling -> camelCase field, for the template's own fields. */
const TEMPLATE_KEYS: Readonly<Record<string, string>> = {
  id: 'id',
  role: 'role',
  capabilities: 'capabilities',
  tools: 'tools',
  tierPreference: 'tierPreference',
  tier_preference: 'tierPreference',
  defaultInstructions: 'defaultInstructions',
  default_instructions: 'defaultInstructions',
  qualityGates: 'qualityGates',
  quality_gates: 'qualityGates',
  resourceRequirements: 'resourceRequirements',
  resource_requirements: 'resourceRequirements',
};

/** snake_case spelling -> camelCase field, inside `resourceRequirements`. */
const RESOURCE_KEYS: Readonly<Record<string, string>> = {
  minTokens: 'minTokens',
  min_tokens: 'minTokens',
  maxTokens: 'maxTokens',
  max_tokens: 'maxTokens',
  timeoutSeconds: 'timeoutSeconds',
  timeout_seconds: 'timeoutSeconds',
  memoryMb: 'memoryMb',
  memory_mb: 'memoryMb',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

/**
 * Renames snake_case keys to camelCase. Unknown keys and a field given in both spellings are
 * reported, so a typo such as `timeout: 60` is an error instead of a silent default.
 */
function normalizeKeys(
  value: Record<string, unknown>,
  keys: Readonly<Record<string, string>>,
  prefix: string,
  issues: ValidationIssue[],
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  const expected = [...new Set(Object.values(keys))].join(', ');
  for (const [key, fieldValue] of Object.entries(value)) {
    // Own keys only: `constructor` or `toString` must be unknown fields, not Object.prototype's.
    const field = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (field === undefined) {
      issues.push({
        field: join(prefix, key),
        message: `unknown field (expected one of: ${expected})`,
      });
      continue;
    }
    const earlier = spelledAs.get(field);
    if (earlier !== undefined) {
      issues.push({ field: join(prefix, key), message: `given twice (also as ${earlier})` });
      continue;
    }
    spelledAs.set(field, key);
    result[field] = fieldValue;
  }
  return result;
}

/**
 * Turns one template as written in a file (camelCase or snake_case keys) into the camelCase
 * input of `defineTemplate`, collecting problems with the keys into `issues`.
 */
function normalizeTemplate(entry: unknown, prefix: string, issues: ValidationIssue[]): unknown {
  if (!isPlainObject(entry)) return entry;
  const template = normalizeKeys(entry, TEMPLATE_KEYS, prefix, issues);
  const resources = template.resourceRequirements;
  if (isPlainObject(resources)) {
    template.resourceRequirements = normalizeKeys(
      resources,
      RESOURCE_KEYS,
      join(prefix, 'resourceRequirements'),
      issues,
    );
  }
  return template;
}

/** The entries of a document: a list, `{ templates: [...] }`, or one template. */
function entriesOf(data: unknown): { entries: unknown[]; labels: string[] } | undefined {
  if (Array.isArray(data)) {
    return { entries: data, labels: data.map((_, index) => `[${index}]`) };
  }
  if (isPlainObject(data)) {
    const list = data.templates;
    if (Array.isArray(list) && Object.keys(data).length === 1) {
      return { entries: list, labels: list.map((_, index) => `templates[${index}]`) };
    }
    return { entries: [data], labels: [''] };
  }
  return undefined;
}

/**
 * Validates templates read from a file or any other untyped source: one template object, a list
 * of templates, or `{ templates: [...] }`. Keys may be camelCase or snake_case
 * (`tier_preference`, `default_instructions`, `quality_gates`,
 * `resource_requirements.timeout_seconds`, ...); quality gate names are kept as written.
 *
 * Every problem in every template is reported in one `ValidationError` whose fields name the
 * source and the entry, e.g. `templates.yaml: [1].role: must be a non-empty string`.
 *
 * @example
 * ```ts
 * const [template] = parseTemplates(
 *   { id: 'sql_reviewer', role: 'SQL Reviewer', capabilities: ['query_review'],
 *     tier_preference: 'CHEAP', default_instructions: 'Review SQL queries.' },
 *   { source: 'sql.yaml' },
 * );
 * ```
 * @returns the validated, deeply frozen templates in document order.
 * @throws ValidationError naming the source and every offending field.
 */
export function parseTemplates(
  data: unknown,
  options: ParseTemplatesOptions = {},
): AgentTemplate[] {
  const issues: ValidationIssue[] = [];
  const templates: AgentTemplate[] = [];
  const found = entriesOf(data);
  if (found === undefined || found.entries.length === 0) {
    issues.push({
      field: '(document)',
      message:
        found === undefined
          ? 'must hold a template object or a list of templates'
          : 'holds no templates',
    });
  } else {
    const seen = new Map<string, string>();
    found.entries.forEach((entry, index) => {
      const label = found.labels[index] ?? '';
      const before = issues.length;
      const input = normalizeTemplate(entry, label, issues);
      try {
        const template = defineTemplate(input as AgentTemplateInput, label === '' ? {} : { label });
        if (issues.length > before) return;
        const earlier = seen.get(template.id);
        if (earlier !== undefined) {
          issues.push({
            field: join(label, 'id'),
            message: `duplicate id "${template.id}" (also at ${earlier})`,
          });
          return;
        }
        seen.set(template.id, label === '' ? 'the top level' : label);
        templates.push(template);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        issues.push(...error.issues);
      }
    });
  }
  if (issues.length > 0) throw new ValidationError(withSource(issues, options.source));
  return templates;
}

/** Prefixes every issue's field with the source, e.g. `templates.yaml: [1].role`. */
export function withSource(
  issues: readonly ValidationIssue[],
  source: string | undefined,
): ValidationIssue[] {
  if (source === undefined) return [...issues];
  return issues.map((issue) => ({ field: `${source}: ${issue.field}`, message: issue.message }));
}
