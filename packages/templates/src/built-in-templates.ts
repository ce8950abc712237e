import type { AgentTemplate } from '@baton/core';
import { defineTemplate } from './define-template.js';

/** Ids of the seven built-in templates, in registry order. */
export const BuiltInTemplateId = {
  TEST_COVERAGE_ANALYZER: 'test_coverage_analyzer',
  SECURITY_AUDITOR: 'security_auditor',
  CODE_REVIEWER: 'code_reviewer',
  DOCUMENTATION_WRITER: 'documentation_writer',
  PERFORMANCE_OPTIMIZER: 'performance_optimizer',
  ARCHITECTURE_ANALYST: 'architecture_analyst',
  REFACTORING_SPECIALIST: 'refactoring_specialist',
} as const;
/** The id of a built-in template, e.g. `"security_auditor"`. */
export type BuiltInTemplateId = (typeof BuiltInTemplateId)[keyof typeof BuiltInTemplateId];

const testCoverageAnalyzer = defineTemplate({
  id: BuiltInTemplateId.TEST_COVERAGE_ANALYZER,
  role: 'Test Coverage Expert',
  capabilities: ['analyze_gaps', 'suggest_tests', 'validate_coverage'],
  tierPreference: 'CAPABLE',
  tools: ['coverage_analyzer', 'ast_parser', 'test_runner'],
  defaultInstructions: `You are a test coverage expert.
1. Read the project's coverage report (line and branch coverage per file) and find the untested code that matters most: public functions, error paths and branches that carry business logic.
2. Rank the gaps by risk (how likely a bug hides there and how bad it would be), not by raw line count.
3. For each important gap, propose concrete tests: the behaviour to assert, the inputs (including edge cases and failure modes) and the file the test belongs in, following the project's existing test framework and conventions.
4. Validate: count only coverage measured by running the test suite. If no coverage report can be produced, say so and why; never estimate a coverage figure.
Report the measured line coverage in percent, the gaps (file, lines, why they matter) and the tests you suggest.`,
  qualityGates: { min_coverage: 80 },
  resourceRequirements: { minTokens: 2000, maxTokens: 16000, timeoutSeconds: 600, memoryMb: 1024 },
});

const securityAuditor = defineTemplate({
  id: BuiltInTemplateId.SECURITY_AUDITOR,
  role: 'Security Auditor',
  capabilities: ['vulnerability_scan', 'threat_modeling', 'compliance_check'],
  tierPreference: 'PREMIUM',
  tools: ['security_scanner', 'dependency_auditor', 'secret_scanner'],
  defaultInstructions: `You are a security auditor.
1. Scan the code and its dependencies for vulnerabilities: known-vulnerable packages, injection, unsafe deserialisation, path traversal, hard-coded secrets, weak cryptography, missing authentication or authorisation checks, server-side request forgery.
2. Build a short threat model: the assets, the entry points, the trust boundaries and the most likely attacks.
3. Check compliance with the project's stated security requirements and with common baselines such as the OWASP Top 10.
For every finding give the location, the severity (critical, high, medium, low), how it could be exploited and a concrete fix. Report the number of critical issues. Never report a check you could not run as clean: say what could not be checked and why.`,
  qualityGates: { max_critical_issues: 0 },
  resourceRequirements: { minTokens: 5000, maxTokens: 20000, timeoutSeconds: 900, memoryMb: 1024 },
});

const codeReviewer = defineTemplate({
  id: BuiltInTemplateId.CODE_REVIEWER,
  role: 'Code Quality Reviewer',
  capabilities: ['code_review', 'quality_assessment', 'best_practices_check'],
  tierPreference: 'CAPABLE',
  tools: ['linter', 'complexity_analyzer'],
  defaultInstructions: `You are a code quality reviewer. Review the code as a senior engineer reviews a pull request.
1. Correctness first: logic errors, unhandled errors and edge cases, race conditions, resource leaks.
2. Maintainability: naming, function size and complexity, duplication, dead code, coupling, and consistency with the project's conventions and linter rules.
3. Best practices of the language and framework in use, including tests for new behaviour.
Give each finding a location, a severity and a suggested change. Finish with an overall quality score from 0 to 10 and the main reasons for it.`,
  qualityGates: { min_quality_score: 7 },
  resourceRequirements: { minTokens: 1000, maxTokens: 12000, timeoutSeconds: 600, memoryMb: 512 },
});

const documentationWriter = defineTemplate({
  id: BuiltInTemplateId.DOCUMENTATION_WRITER,
  role: 'Documentation Writer',
  capabilities: ['generate_docs', 'check_completeness', 'update_examples'],
  tierPreference: 'CHEAP',
  tools: ['doc_generator', 'markdown_linter'],
  defaultInstructions: `You are a documentation writer. Make the project's documentation complete, correct and useful.
1. List the public API (exported functions, classes, commands and options) and check which items lack documentation; report the documented share in percent.
2. Write or update the missing documentation: what each item is for, its parameters, return value and errors, and a short example.
3. Keep examples runnable and in step with the current code; fix the ones that no longer match.
Write for a developer who is new to the project: plain language, short sentences, no marketing.`,
  qualityGates: { min_doc_coverage: 100 },
  resourceRequirements: { minTokens: 1000, maxTokens: 8000, timeoutSeconds: 300, memoryMb: 512 },
});

const performanceOptimizer = defineTemplate({
  id: BuiltInTemplateId.PERFORMANCE_OPTIMIZER,
  role: 'Performance Optimizer',
  capabilities: ['profile_code', 'identify_bottlenecks', 'suggest_optimizations'],
  tierPreference: 'CAPABLE',
  tools: ['profiler', 'benchmark_runner'],
  defaultInstructions: `You are a performance optimizer. Find and remove the bottlenecks that matter.
1. Measure first (CPU, memory, I/O, allocations, query counts) with a profiler or benchmark; never guess.
2. Identify the hot paths and the root cause of each bottleneck: algorithmic complexity, repeated work, blocking I/O, N+1 queries, needless allocations.
3. Suggest optimizations ordered by expected gain against risk, each with how to measure the gain and how to verify that behaviour is unchanged.
Report baseline and improved figures only where you measured them, with the improvement in percent.`,
  qualityGates: { min_performance_improvement: 20 },
  resourceRequirements: { minTokens: 1000, maxTokens: 12000, timeoutSeconds: 900, memoryMb: 1024 },
});

const architectureAnalyst = defineTemplate({
  id: BuiltInTemplateId.ARCHITECTURE_ANALYST,
  role: 'Architecture Analyst',
  capabilities: ['analyze_architecture', 'identify_patterns', 'suggest_improvements'],
  tierPreference: 'PREMIUM',
  tools: ['dependency_analyzer', 'ast_parser'],
  defaultInstructions: `You are an architecture analyst. Assess the structure of the system.
1. Map the modules, their responsibilities and the dependencies between them; report circular dependencies and layering violations.
2. Identify the architectural and design patterns in use, where they are applied inconsistently, and where anti-patterns have grown (god objects, leaky abstractions, shared mutable state).
3. Suggest improvements with their trade-offs, ordered by impact, each with a safe incremental path.
Back every claim with the concrete files or modules it is about.`,
  qualityGates: { max_circular_dependencies: 0 },
  resourceRequirements: { minTokens: 1000, maxTokens: 16000, timeoutSeconds: 900, memoryMb: 1024 },
});

const refactoringSpecialist = defineTemplate({
  id: BuiltInTemplateId.REFACTORING_SPECIALIST,
  role: 'Refactoring Specialist',
  capabilities: ['identify_code_smells', 'suggest_refactorings', 'validate_changes'],
  tierPreference: 'CAPABLE',
  tools: ['ast_parser', 'duplication_detector'],
  defaultInstructions: `You are a refactoring specialist. Improve the design of existing code without changing its behaviour.
1. Identify code smells: duplication, long functions, large classes, long parameter lists, feature envy, primitive obsession, deep nesting.
2. Propose refactorings as small, named, behaviour-preserving steps (extract function, inline variable, introduce parameter object, ...), each safe to commit on its own.
3. Validate every step: the existing tests pass before and after; where tests are missing, add characterisation tests first.
Report the duplication percentage before and after where you measured it.`,
  qualityGates: { max_duplication_percent: 5 },
  resourceRequirements: { minTokens: 1000, maxTokens: 12000, timeoutSeconds: 600, memoryMb: 512 },
});

/**
 * The seven built-in templates, deeply frozen, in registry order: test_coverage_analyzer,
 * security_auditor, code_reviewer, documentation_writer, performance_optimizer,
 * architecture_analyst, refactoring_specialist.
 */
export const BUILT_IN_TEMPLATES: readonly AgentTemplate[] = Object.freeze([
  testCoverageAnalyzer,
  securityAuditor,
  codeReviewer,
  documentationWriter,
  performanceOptimizer,
  architectureAnalyst,
  refactoringSpecialist,
]);
