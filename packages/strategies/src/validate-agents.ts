import {
  type ExecutableAgent,
  tierSchema,
  ValidationError,
  type ValidationIssue,
} from '@baton/core';
import { z } from 'zod';

/** The fields a strategy reads from an agent; every other field is the framework's own business. */
const executableAgentSchema = z.looseObject({
  id: z.string().trim().min(1, 'must be a non-empty string'),
  tier: tierSchema.optional(),
  resourceRequirements: z
    .looseObject({
      timeoutSeconds: z.number().positive('must be > 0').optional(),
    })
    .optional(),
});

/**
 * Checks a team: a non-empty array of objects with unique non-empty `id`s, an optional valid `tier`
 * and an optional positive `resourceRequirements.timeoutSeconds`. The agents themselves are left
 * untouched (no defaults, no copies), so the executor gets back exactly the objects it was given.
 *
 * @throws ValidationError naming the field, e.g. `agents.1.id: must be a non-empty string`.
 */
export function validateAgents(agents: readonly ExecutableAgent[], field = 'agents'): void {
  if (!Array.isArray(agents)) throw new ValidationError(field, 'must be an array of agents');
  if (agents.length === 0) throw new ValidationError(field, 'must contain at least one agent');
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  agents.forEach((agent, index) => {
    issues.push(...agentIssues(agent, `${field}.${index}`));
    const id = (agent as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, index);
    else {
      issues.push({
        field: `${field}.${index}.id`,
        message: `must be unique in the team ("${id}" is also ${field}.${first}.id)`,
      });
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** The problems of one agent, with fields prefixed by `label`. */
export function agentIssues(agent: unknown, label: string): ValidationIssue[] {
  if (typeof agent !== 'object' || agent === null) {
    return [{ field: label, message: 'must be an agent object with an id' }];
  }
  const parsed = executableAgentSchema.safeParse(agent);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    field: [label, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Checks that the context is a plain object (not null, not an array). */
export function validateContext(context: unknown): void {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new ValidationError('context', 'must be an object');
  }
}
