import {
  parseWith,
  type QualityGates,
  qualityGatesSchema,
  type TaskComplexity,
  TaskDomain,
  type TaskRequirements,
  ValidationError,
} from '@baton/core';
import type { TemplateRegistry } from '@baton/templates';
import { z } from 'zod';
import {
  COMPLEXITY_KEYWORDS,
  COMPLEXITY_ORDER,
  DOMAIN_KEYWORDS,
  DOMAIN_TEMPLATES,
  type KeywordDomain,
  keywordsIn,
  PARALLEL_KEYWORDS,
  SEQUENTIAL_KEYWORDS,
} from './task-keywords.js';

/**
 * Optional context of a task. Any other fields are kept in `requirements.context` for the agents.
 */
export interface TaskContext extends Record<string, unknown> {
  /** Capabilities needed beyond those of the task's domain (repeats are kept: they invite a debate). */
  capabilities?: readonly string[];
  /** Quality gate thresholds for the whole plan, passed through unchanged. */
  qualityGates?: QualityGates;
  /** snake_case spelling of `qualityGates` (used when `qualityGates` is absent). */
  quality_gates?: QualityGates;
}

/** Task analysis with the reasons for each finding. */
export interface TaskAnalysis {
  /** The trimmed task text. */
  task: string;
  requirements: TaskRequirements;
  /** One sentence per finding (complexity, domain, capabilities, parallelizable). */
  reasons: string[];
}

const capabilitiesSchema = z.array(z.string().trim().min(1, 'must be a non-empty string'), {
  error: 'must be a list of capability names',
});

/** Checks the task text; returns it trimmed. */
export function validateTask(task: unknown): string {
  if (typeof task !== 'string' || task.trim() === '') {
    throw new ValidationError('task', 'must be a non-empty string');
  }
  return task.trim();
}

function validateContext(context: unknown): Record<string, unknown> {
  if (context === undefined || context === null) return {};
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new ValidationError('context', 'must be an object');
  }
  return context as Record<string, unknown>;
}

const quote = (words: readonly string[]): string => words.map((word) => `"${word}"`).join(', ');

function classifyComplexity(text: string, reasons: string[]): TaskComplexity {
  for (const level of COMPLEXITY_ORDER) {
    const [hit] = keywordsIn(text, COMPLEXITY_KEYWORDS[level]);
    if (hit !== undefined) {
      reasons.push(`complexity ${level}: the task mentions "${hit}"`);
      return level;
    }
  }
  reasons.push('complexity moderate: no complexity keyword (the default)');
  return 'moderate';
}

function classifyDomain(text: string, reasons: string[]): TaskDomain {
  let best: { domain: KeywordDomain; hits: string[] } | undefined;
  const tied: string[] = [];
  for (const [domain, keywords] of Object.entries(DOMAIN_KEYWORDS) as Array<
    [KeywordDomain, readonly string[]]
  >) {
    const hits = keywordsIn(text, keywords);
    if (hits.length === 0) continue;
    if (best === undefined || hits.length > best.hits.length) {
      best = { domain, hits };
      tied.length = 0;
    } else if (hits.length === best.hits.length) {
      tied.push(domain);
    }
  }
  if (best === undefined) {
    reasons.push('domain general: no domain keyword');
    return TaskDomain.GENERAL;
  }
  const score = `${best.hits.length} keyword hit${best.hits.length === 1 ? '' : 's'} (${quote(best.hits)})`;
  const ties = tied.length === 0 ? '' : `; ties with ${tied.join(', ')} go to the earlier domain`;
  reasons.push(`domain ${best.domain}: ${score}${ties}`);
  return best.domain;
}

function classifyParallelizable(
  text: string,
  complexity: TaskComplexity,
  reasons: string[],
): boolean {
  const [sequential] = keywordsIn(text, SEQUENTIAL_KEYWORDS);
  if (sequential !== undefined) {
    reasons.push(`not parallelizable: the task mentions "${sequential}"`);
    return false;
  }
  const [parallel] = keywordsIn(text, PARALLEL_KEYWORDS);
  if (parallel !== undefined) {
    reasons.push(`parallelizable: the task mentions "${parallel}"`);
    return true;
  }
  const complex = complexity === 'complex';
  reasons.push(
    complex
      ? 'parallelizable: a complex task with no ordering keyword'
      : `not parallelizable: no ordering keyword and the task is ${complexity}`,
  );
  return complex;
}

/**
 * Analyses a task with the deterministic keyword heuristics of the reference (see
 * `COMPLEXITY_KEYWORDS`, `DOMAIN_KEYWORDS`, `SEQUENTIAL_KEYWORDS`, `PARALLEL_KEYWORDS`).
 * The domain's capabilities come from the domain's template in `registry`.
 *
 * @throws ValidationError naming `task`, `context`, `context.capabilities` or
 *   `context.qualityGates`.
 */
export function analyzeTaskWithReasons(
  task: unknown,
  context: unknown,
  registry: TemplateRegistry,
): TaskAnalysis {
  const text = validateTask(task);
  const taskContext = validateContext(context);
  const lower = text.toLowerCase();
  const reasons: string[] = [];

  const complexity = classifyComplexity(lower, reasons);
  const domain = classifyDomain(lower, reasons);

  const extra =
    taskContext.capabilities === undefined
      ? []
      : parseWith(capabilitiesSchema, taskContext.capabilities, { label: 'context.capabilities' });
  const domainTemplate =
    domain === TaskDomain.GENERAL ? undefined : registry.get(DOMAIN_TEMPLATES[domain]);
  const domainCapabilities = domainTemplate === undefined ? [] : [...domainTemplate.capabilities];
  const capabilitiesNeeded = [...domainCapabilities, ...extra];
  const sources = [
    domainTemplate === undefined ? undefined : `${domainTemplate.id} (${domain})`,
    extra.length === 0 ? undefined : 'context.capabilities',
  ].filter((source) => source !== undefined);
  reasons.push(
    capabilitiesNeeded.length === 0
      ? 'capabilities: none (general task, none in context.capabilities)'
      : `capabilities: ${capabilitiesNeeded.join(', ')} from ${sources.join(' and ')}`,
  );

  const parallelizable = classifyParallelizable(lower, complexity, reasons);

  const gatesField = taskContext.qualityGates === undefined ? 'quality_gates' : 'qualityGates';
  const rawGates = taskContext.qualityGates ?? taskContext.quality_gates;
  const qualityGates =
    rawGates === undefined
      ? {}
      : parseWith(qualityGatesSchema, rawGates, { label: `context.${gatesField}` });

  return {
    task: text,
    requirements: {
      complexity,
      domain,
      capabilitiesNeeded,
      parallelizable,
      qualityGates,
      context: { ...taskContext },
    },
    reasons,
  };
}
