import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  agentResultSchema,
  BatonError,
  BatonErrorCode,
  type Logger,
  noopLogger,
  parseWith,
  ValidationError,
} from '@baton/core';
import { z } from 'zod';
import { readJsonFile, withFileLock, writeJsonAtomic } from './fs-utils.js';
import { attemptRecordSchema } from './records.js';
import { runDirectory } from './run-paths.js';
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

/** A decision stored with its run under `runs/<run-id>/decisions/<id>.json`. */
export const decisionSchema = z.object({
  id: z.string().regex(/^d-[a-f0-9]{8,}$/, 'must look like d-1a2b3c4d'),
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

/** By default anything that pushes, publishes or deploys needs a person. */
export const DEFAULT_APPROVAL_RULES: readonly ApprovalRule[] = Object.freeze([
  {
    id: 'side-effects',
    reason: 'pushes, publishes or deploys',
    pattern: 'push|publish|deploy',
    fields: ['id', 'label', 'role', 'capabilities', 'tools'],
  },
]);

/** Validates approval rules (including their regular expressions). */
export function parseApprovalRules(input: unknown): ApprovalRule[] {
  const rules = parseWith(z.array(approvalRuleSchema), input, { label: 'approvalRules' });
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
    const expression = new RegExp(rule.pattern, 'i');
    return rule.fields.some((field) => expression.test(fieldText(step, field)));
  });
}

/** Options of {@link DecisionStore}. */
export interface DecisionStoreOptions {
  /** The project's `.baton` folder. Default `.baton` in the current directory. */
  dir?: string;
  /** fsync before renaming. Default true. */
  fsync?: boolean;
  logger?: Logger;
  now?: () => Date;
}

/** What to create a decision from. */
export type NewDecision = Omit<
  Decision,
  'id' | 'status' | 'createdAt' | 'resolvedAt' | 'resolvedBy' | 'note'
>;

/**
 * Pending, approved and rejected decisions of every run (`baton decisions list|approve|reject`).
 * Resolving is safe across processes: it takes a lock, re-reads, and only resolves a pending decision.
 *
 * @example
 * ```ts
 * const decisions = new DecisionStore({ dir: '.baton' });
 * for (const decision of await decisions.list({ status: 'pending' })) console.log(decision.id, decision.reason);
 * await decisions.approve('d-1a2b3c4d', { note: 'looks fine' });
 * ```
 */
export class DecisionStore {
  readonly dir: string;
  readonly #fsync: boolean;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(options: DecisionStoreOptions = {}) {
    this.dir = options.dir ?? '.baton';
    this.#fsync = options.fsync ?? true;
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? (() => new Date());
  }

  #path(runId: string, id: string): string {
    return join(runDirectory(this.dir, runId), 'decisions', `${id}.json`);
  }

  /** Creates a pending decision. */
  async create(input: NewDecision, _options: { signal?: AbortSignal } = {}): Promise<Decision> {
    const decision = parseWith(
      decisionSchema,
      {
        ...input,
        id: `d-${randomBytes(4).toString('hex')}`,
        status: 'pending',
        createdAt: this.#now().toISOString(),
      },
      { label: 'decision' },
    );
    await writeJsonAtomic(this.#path(decision.runId, decision.id), decision, {
      fsync: this.#fsync,
    });
    return decision;
  }

  /** The decisions of one run, oldest first. */
  async listForRun(runId: string, _options: { signal?: AbortSignal } = {}): Promise<Decision[]> {
    const folder = join(runDirectory(this.dir, runId), 'decisions');
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return [];
    }
    const decisions: Decision[] = [];
    for (const name of names.filter((entry) => entry.endsWith('.json'))) {
      try {
        decisions.push(
          parseWith(decisionSchema, await readJsonFile(join(folder, name)), { label: name }),
        );
      } catch (error) {
        this.#logger.warn('Skipping unreadable decision file', {
          file: join(folder, name),
          error: String(error),
        });
      }
    }
    return decisions.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Decisions of every run (or one), optionally only those with a status; oldest first. */
  async list(
    filter: { runId?: string; status?: Decision['status']; signal?: AbortSignal } = {},
  ): Promise<Decision[]> {
    let runIds: string[];
    if (filter.runId !== undefined) runIds = [filter.runId];
    else {
      try {
        runIds = await readdir(join(this.dir, 'runs'));
      } catch {
        runIds = [];
      }
    }
    const all: Decision[] = [];
    for (const runId of runIds) {
      filter.signal?.throwIfAborted();
      for (const decision of await this.listForRun(runId)) {
        if (filter.status === undefined || decision.status === filter.status) all.push(decision);
      }
    }
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** One decision by id; throws a `BATON_NOT_FOUND` error when there is none. */
  async get(id: string, options: { runId?: string; signal?: AbortSignal } = {}): Promise<Decision> {
    if (!/^d-[a-f0-9]{8,}$/.test(id))
      throw new ValidationError('id', `"${id}" is not a decision id`);
    const found = (await this.list({ ...options })).find((decision) => decision.id === id);
    if (found === undefined) throw new BatonError(BatonErrorCode.NOT_FOUND, `No decision "${id}"`);
    return found;
  }

  /** Approves a pending decision. */
  approve(id: string, options: { note?: string; signal?: AbortSignal } = {}): Promise<Decision> {
    return this.resolve(id, 'approve', { ...options, by: 'person' });
  }

  /** Rejects a pending decision. */
  reject(id: string, options: { note?: string; signal?: AbortSignal } = {}): Promise<Decision> {
    return this.resolve(id, 'reject', { ...options, by: 'person' });
  }

  /**
   * Resolves a pending decision; a decision already resolved is a `BATON_CONFLICT` error naming
   * how it was resolved.
   */
  async resolve(
    id: string,
    action: DecisionAction,
    options: {
      note?: string;
      by?: Decision['resolvedBy'];
      runId?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<Decision> {
    const found = await this.get(id, options.runId === undefined ? {} : { runId: options.runId });
    const path = this.#path(found.runId, id);
    return withFileLock(`${path}.lock`, async () => {
      const current = parseWith(decisionSchema, await readJsonFile(path), { label: 'decision' });
      if (current.status !== 'pending') {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Decision ${id} is already ${current.status}${current.resolvedBy ? ` (by ${current.resolvedBy})` : ''}`,
        );
      }
      const resolved: Decision = {
        ...current,
        status: action === 'approve' ? 'approved' : 'rejected',
        resolvedAt: this.#now().toISOString(),
        resolvedBy: options.by ?? 'person',
        ...(options.note === undefined ? {} : { note: options.note }),
      };
      await writeJsonAtomic(path, resolved, { fsync: this.#fsync });
      return resolved;
    });
  }

  /** Resolves every pending decision of a run whose deadline has passed with its default action. */
  async applyDeadlines(runId: string, options: { signal?: AbortSignal } = {}): Promise<Decision[]> {
    const now = this.#now().getTime();
    const resolved: Decision[] = [];
    for (const decision of await this.listForRun(runId, options)) {
      if (decision.status !== 'pending' || decision.deadline === undefined) continue;
      if (Date.parse(decision.deadline) > now) continue;
      try {
        resolved.push(
          await this.resolve(decision.id, decision.defaultAction, {
            by: 'deadline',
            runId,
            note: `deadline ${decision.deadline} passed; default action ${decision.defaultAction}`,
          }),
        );
      } catch (error) {
        if (!(BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT)) throw error;
      }
    }
    return resolved;
  }
}
