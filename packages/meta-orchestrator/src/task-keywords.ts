import { TaskComplexity, TaskDomain } from '@baton/core';

/**
 * Complexity keywords, checked in this order (complex, moderate, simple); the first level with a
 * keyword in the task wins, and a task with none is moderate. Matching is a case-insensitive
 * substring test.
 */
export const COMPLEXITY_KEYWORDS: Readonly<Record<TaskComplexity, readonly string[]>> =
  Object.freeze({
    [TaskComplexity.COMPLEX]: Object.freeze([
      'release',
      'migrate',
      'redesign',
      'architecture',
      'prepare',
    ]),
    [TaskComplexity.MODERATE]: Object.freeze(['improve', 'refactor', 'optimize', 'test', 'review']),
    [TaskComplexity.SIMPLE]: Object.freeze(['format', 'lint', 'check', 'validate', 'document']),
  });

/** The order in which complexity levels are tried. */
export const COMPLEXITY_ORDER: readonly TaskComplexity[] = Object.freeze([
  TaskComplexity.COMPLEX,
  TaskComplexity.MODERATE,
  TaskComplexity.SIMPLE,
]);

/** A domain other than GENERAL (the domain of a task no keyword matches). */
export type KeywordDomain = Exclude<TaskDomain, 'general'>;

/**
 * Domain keywords: each keyword found in the task scores one point for its domain; the highest
 * score wins, ties go to the domain listed first here, and no hits at all means GENERAL.
 */
export const DOMAIN_KEYWORDS: Readonly<Record<KeywordDomain, readonly string[]>> = Object.freeze({
  [TaskDomain.TESTING]: Object.freeze([
    'test',
    'coverage',
    'pytest',
    'unit test',
    'integration test',
  ]),
  [TaskDomain.SECURITY]: Object.freeze([
    'security',
    'vulnerability',
    'audit',
    'penetration',
    'threat',
  ]),
  [TaskDomain.CODE_QUALITY]: Object.freeze([
    'quality',
    'code review',
    'lint',
    'best practices',
    'maintainability',
  ]),
  [TaskDomain.DOCUMENTATION]: Object.freeze([
    'docs',
    'documentation',
    'readme',
    'guide',
    'tutorial',
  ]),
  [TaskDomain.PERFORMANCE]: Object.freeze([
    'performance',
    'optimize',
    'speed',
    'benchmark',
    'profile',
  ]),
  [TaskDomain.ARCHITECTURE]: Object.freeze([
    'architecture',
    'design',
    'structure',
    'pattern',
    'dependency',
  ]),
  [TaskDomain.REFACTORING]: Object.freeze([
    'refactor',
    'cleanup',
    'simplify',
    'restructure',
    'debt',
  ]),
});

/** Keywords that make a task sequential by nature (checked first). */
export const SEQUENTIAL_KEYWORDS: readonly string[] = Object.freeze([
  'migrate',
  'refactor',
  'generate',
  'create',
]);

/** Keywords that make a task parallelizable (checked when no sequential keyword matched). */
export const PARALLEL_KEYWORDS: readonly string[] = Object.freeze([
  'release',
  'audit',
  'check',
  'validate',
  'review',
]);

/**
 * The template of each domain: its capabilities are the capabilities a task of the domain needs,
 * and it is the fallback agent when no template matches. GENERAL needs no capabilities and falls
 * back to the code reviewer.
 */
export const DOMAIN_TEMPLATES: Readonly<Record<TaskDomain, string>> = Object.freeze({
  [TaskDomain.TESTING]: 'test_coverage_analyzer',
  [TaskDomain.SECURITY]: 'security_auditor',
  [TaskDomain.CODE_QUALITY]: 'code_reviewer',
  [TaskDomain.DOCUMENTATION]: 'documentation_writer',
  [TaskDomain.PERFORMANCE]: 'performance_optimizer',
  [TaskDomain.ARCHITECTURE]: 'architecture_analyst',
  [TaskDomain.REFACTORING]: 'refactoring_specialist',
  [TaskDomain.GENERAL]: 'code_reviewer',
});

/** The keywords of `keywords` found in `text` (already lower-cased), in list order. */
export function keywordsIn(text: string, keywords: readonly string[]): string[] {
  return keywords.filter((keyword) => text.includes(keyword));
}
