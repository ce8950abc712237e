import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { agentResultSchema } from '../schemas.js';
import { parseWith } from '../validate.js';
import { attemptRecordSchema } from './records.js';
import type { TaskStep } from './task-graph.js';

/** What a person decides. */
export type DecisionAction = 'approve' | 'reject';

/**
 * Why a person is asked:
 * - `approval`: a rule says the step needs a person before it runs (approve = run it);
 * - `escalation`: retries and fallbacks are exhausted (approve = try the step again, reject = fail it);
 * - `low-confidence`: a risky step's result is below the threshold (approve = accept it).
 */
export type DecisionKind = 'approval' | 'escalation' | 'low-confidence';

/** The pattern of a decision id, e.g. `d-1a2b3c4d`. */
export const DECISION_ID = /^d-[a-f0-9]{8,}$/;

/** A decision a run waits for, stored with the run by its checkpointer. */
export const decisionSchema = z.object({
  id: z.string().regex(DECISION_ID, 'must look like d-1a2b3c4d'),
  runId: z.string().min(1),
  stepId: z.string().min(1),
  kind: z.enum(['approval', 'escalation', 'low-confidence']),
  status: z.enum(['pending', 'approved', 'rejected']),
  /** Why a person is asked. */
  reason: z.string(),
  /** The rule that asked, for `approval`. */
  rule: z.string().optional(),
  createdAt: z.string(),
  /** ISO time after which `defaultAction` applies. */
  deadline: z.string().optional(),
  /** Applied when the deadline passes. */
  defaultAction: z.enum(['approve', 'reject']),
  resolvedAt: z.string().optional(),
  /** `person` (CLI/API), `handler` (an in-process prompt) or `deadline` (the default action). */
  resolvedBy: z.enum(['person', 'handler', 'deadline']).optional(),
  note: z.string().optional(),
  /** The result being judged, for `low-confidence` (accepted as is when approved). */
  result: agentResultSchema.optional(),
  /** The step's attempts so far (kept so a resumed run keeps their spend). */
  attempts: z.array(attemptRecordSchema).optional(),
  /** The failure being escalated, for `escalation`. */
  failure: z.object({ kind: z.string(), message: z.string() }).optional(),
});
/** A decision stored with its run. */
export type Decision = z.output<typeof decisionSchema>;

/** A rule that makes matching steps wait for a person before they run. */
export const approvalRuleSchema = z.object({
  id: z.string().min(1, 'must be a non-empty string'),
  /** Shown to the person, e.g. `pushes, publishes or deploys`. */
  reason: z.string().min(1, 'must be a non-empty string'),
  /** Case-insensitive regular expression tested against the fields. */
  pattern: z.string().min(1, 'must be a non-empty string'),
  /** Step and agent fields tested. Default: id, label, role, capabilities, tools. */
  fields: z
    .array(z.enum(['id', 'label', 'role', 'capabilities', 'tools', 'instructions']))
    .default(['id', 'label', 'role', 'capabilities', 'tools']),
});
/** A rule that makes matching steps wait for a person. */
export type ApprovalRule = z.output<typeof approvalRuleSchema>;
/** Approval rule input (defaults not yet applied). */
export type ApprovalRuleInput = z.input<typeof approvalRuleSchema>;

/** By default anything that pushes, publishes or deploys needs a person (frozen all through). */
export const DEFAULT_APPROVAL_RULES: readonly ApprovalRule[] = Object.freeze([
  Object.freeze({
    id: 'side-effects',
    reason: 'pushes, publishes or deploys',
    pattern: 'push|publish|deploy',
    fields: Object.freeze([
      'id',
      'label',
      'role',
      'capabilities',
      'tools',
    ]) as ApprovalRule['fields'],
  }),
]);

const approvalRulesSchema = z.array(approvalRuleSchema);
let parsedDefaultRules: ApprovalRule[] | undefined;

/** Validates approval rules (including their regular expressions). */
export function parseApprovalRules(input: unknown): ApprovalRule[] {
  // The defaults cannot change (frozen): read once, not at every run.
  if (input === DEFAULT_APPROVAL_RULES) {
    parsedDefaultRules ??= Object.freeze(
      parseApprovalRules([...DEFAULT_APPROVAL_RULES]).map((rule) =>
        Object.freeze({ ...rule, fields: Object.freeze([...rule.fields]) }),
      ),
    ) as ApprovalRule[];
    return parsedDefaultRules;
  }
  const rules = parseWith(approvalRulesSchema, input, { label: 'approvalRules' });
  rules.forEach((rule, index) => {
    try {
      new RegExp(rule.pattern, 'i');
    } catch (error) {
      throw new ValidationError(
        `approvalRules.${index}.pattern`,
        `is not a valid regular expression (${String(error)})`,
      );
    }
  });
  return rules;
}

function fieldText(step: TaskStep, field: ApprovalRule['fields'][number]): string {
  const agent = (step.agent ?? {}) as Record<string, unknown>;
  switch (field) {
    case 'id':
      return `${step.id} ${String(agent.id ?? '')}`;
    case 'label':
      return step.label ?? '';
    case 'role':
      return typeof agent.role === 'string' ? agent.role : '';
    case 'capabilities':
    case 'tools': {
      const list = agent[field];
      return Array.isArray(list) ? list.map(String).join(' ') : '';
    }
    case 'instructions':
      return typeof agent.instructions === 'string' ? agent.instructions : '';
  }
}

/** The first rule a step matches, if any. Join steps never need approval. */
export function matchApprovalRule(
  step: TaskStep,
  rules: readonly ApprovalRule[],
): ApprovalRule | undefined {
  if (step.kind === 'join') return undefined;
  return rules.find((rule) => {
    const expression = ruleExpression(rule.pattern);
    return rule.fields.some((field) => expression.test(fieldText(step, field)));
  });
}

/** Rule patterns compiled once (case-insensitive, no `g` flag: `test` keeps no state). */
const expressions = new Map<string, RegExp>();

function ruleExpression(pattern: string): RegExp {
  let expression = expressions.get(pattern);
  if (expression === undefined) {
    expression = new RegExp(pattern, 'i');
    if (expressions.size >= 256) expressions.clear();
    expressions.set(pattern, expression);
  }
  return expression;
}

/** What to create a decision from. */
export type NewDecision = Omit<
  Decision,
  'id' | 'status' | 'createdAt' | 'resolvedAt' | 'resolvedBy' | 'note'
>;

/** A new random decision id, e.g. `d-1a2b3c4d`. */
export function newDecisionId(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  if (uuid !== undefined) return `d-${uuid.replace(/-/g, '').slice(0, 8)}`;
  let hex = '';
  for (let index = 0; index < 8; index += 1) hex += Math.floor(Math.random() * 16).toString(16);
  return `d-${hex}`;
}
