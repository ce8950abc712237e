import {
  BatonError,
  BatonErrorCode,
  type CompositionPattern,
  type QualityGates,
  type Tier,
  ValidationError,
} from '@baton/core';
import type { TemplateRegistry } from '@baton/templates';
import {
  describeStrategyRole,
  type PlannedAgent,
  type StrategyRole,
  spawnAgent,
} from './agent-factory.js';

/**
 * The task patterns of the pre-built compositions (architecture seed, "Pre-Built Compositions").
 * `release_prep` and `test_coverage_boost` are the patterns `@baton/workflows` stores its release
 * and coverage workflows under.
 */
export const PrebuiltTaskPattern = {
  RELEASE_PREP: 'release_prep',
  TEST_COVERAGE_BOOST: 'test_coverage_boost',
  SECURITY_DEEP_DIVE: 'security_deep_dive',
} as const;
/** `"release_prep" | "test_coverage_boost" | "security_deep_dive"`. */
export type PrebuiltTaskPattern = (typeof PrebuiltTaskPattern)[keyof typeof PrebuiltTaskPattern];

/** One agent of a pre-built composition. */
export interface PrebuiltAgent {
  /** Id in the team. */
  id: string;
  templateId: string;
  tier: Tier;
  role: StrategyRole;
  /** What this agent concentrates on, written into its part of the instructions. */
  focus: string;
}

/** A team composition for a recurring kind of task, kept as a stored pattern's starting point. */
export interface PrebuiltComposition {
  taskPattern: PrebuiltTaskPattern;
  /** In words, e.g. `Release preparation`. */
  name: string;
  strategy: CompositionPattern;
  agents: readonly PrebuiltAgent[];
  /** The composition's own gates; a task's `qualityGates` override them. */
  qualityGates: QualityGates;
}

const agent = (
  id: string,
  templateId: string,
  tier: Tier,
  role: StrategyRole,
  focus: string,
): PrebuiltAgent => Object.freeze({ id, templateId, tier, role, focus });

/**
 * The three pre-built compositions of the architecture seed, with Baton's templates:
 * - `release_prep`: five agents in parallel (coverage, security, quality, documentation,
 *   performance) against the release gates;
 * - `test_coverage_boost`: a sequential pipeline (find the gaps, write the tests, check them);
 * - `security_deep_dive`: a debate of three PREMIUM security auditors (vulnerabilities, threat
 *   model, compliance) reconciled by a CAPABLE code reviewer as synthesizer.
 */
export const PREBUILT_COMPOSITIONS: Readonly<Record<PrebuiltTaskPattern, PrebuiltComposition>> =
  Object.freeze({
    release_prep: Object.freeze({
      taskPattern: 'release_prep',
      name: 'Release preparation',
      strategy: 'parallel',
      agents: Object.freeze([
        agent(
          'test_coverage_analyzer',
          'test_coverage_analyzer',
          'CAPABLE',
          'worker',
          'test coverage against the release threshold',
        ),
        agent(
          'security_auditor',
          'security_auditor',
          'PREMIUM',
          'worker',
          'critical and high security issues',
        ),
        agent(
          'code_reviewer',
          'code_reviewer',
          'CAPABLE',
          'worker',
          'code quality of the changes since the last release',
        ),
        agent(
          'documentation_writer',
          'documentation_writer',
          'CHEAP',
          'worker',
          'documentation of every public API',
        ),
        agent(
          'performance_optimizer',
          'performance_optimizer',
          'CAPABLE',
          'worker',
          'performance regressions',
        ),
      ]),
      qualityGates: Object.freeze({
        min_coverage: 80,
        max_critical_issues: 0,
        min_quality_score: 7,
        min_doc_coverage: 100,
      }),
    }),
    test_coverage_boost: Object.freeze({
      taskPattern: 'test_coverage_boost',
      name: 'Test coverage boost',
      strategy: 'sequential',
      agents: Object.freeze([
        agent(
          'coverage_analyzer',
          'test_coverage_analyzer',
          'CAPABLE',
          'step',
          'find the untested code that matters most',
        ),
        agent(
          'test_generator',
          'test_coverage_analyzer',
          'CAPABLE',
          'step',
          'write the missing tests for the gaps found',
        ),
        agent(
          'quality_validator',
          'code_reviewer',
          'CAPABLE',
          'step',
          'check that the new tests pass and assert real behaviour',
        ),
      ]),
      qualityGates: Object.freeze({ min_coverage_improvement: 10, min_test_quality_score: 8 }),
    }),
    security_deep_dive: Object.freeze({
      taskPattern: 'security_deep_dive',
      name: 'Security deep dive',
      strategy: 'debate',
      agents: Object.freeze([
        agent(
          'security_auditor__vulnerabilities',
          'security_auditor',
          'PREMIUM',
          'perspective',
          'vulnerabilities',
        ),
        agent(
          'security_auditor__threat_model',
          'security_auditor',
          'PREMIUM',
          'perspective',
          'threat modelling',
        ),
        agent(
          'security_auditor__compliance',
          'security_auditor',
          'PREMIUM',
          'perspective',
          'compliance',
        ),
        agent(
          'code_reviewer__synthesizer',
          'code_reviewer',
          'CAPABLE',
          'synthesizer',
          'synthesising the findings into one remediation plan',
        ),
      ]),
      qualityGates: Object.freeze({ max_critical_issues: 0 }),
    }),
  });

/** A task that a pre-built composition fits, and why. */
export interface PrebuiltMatch {
  taskPattern: PrebuiltTaskPattern;
  /** The composition's name. */
  name: string;
  /** The words of the task that matched, e.g. `prepare for the 2.0 release`. */
  matched: string;
  /** Why, in a sentence. */
  reason: string;
}

interface Matcher {
  taskPattern: PrebuiltTaskPattern;
  /** Every one must match; the last one's match is reported. */
  all: readonly RegExp[];
  /** Matches that rule the composition out (e.g. release notes are documentation). */
  not?: readonly RegExp[];
}

/** Most specific first: a security deep dive before a release, a coverage boost before a release. */
const MATCHERS: readonly Matcher[] = [
  {
    taskPattern: 'security_deep_dive',
    all: [
      /\bsecurity\b/i,
      /\b(?:deep[- ]?dive|in[- ]depth|thorough(?:ly)?|comprehensive|full|end[- ]to[- ]end|threat[- ]model(?:l?ing)?|penetration|pen[- ]?test(?:ing)?)\b/i,
    ],
  },
  {
    taskPattern: 'test_coverage_boost',
    all: [
      /\bcoverage\b/i,
      /\b(?:boost|increase|improve|raise|grow|bump|lift|push|reach|get)\b|\bto \d+(?:\.\d+)?\s*%/i,
    ],
  },
  {
    taskPattern: 'release_prep',
    all: [
      /\b(?:prepare|preparing|prep|ready|readiness|cut|ship)\b.*\brelease\b|\brelease[- ](?:prep|preparation|readiness|check|candidate)\b|\bpre-?release\b|\brelease\s+v?\d+(?:\.\d+)+\b|\bv?\d+(?:\.\d+)+\s+release\b/i,
    ],
    not: [/\brelease[- ]notes?\b/i],
  },
];

/**
 * The pre-built composition a free-form task fits, if any: "prepare for the 2.0 release" ->
 * `release_prep`, "boost test coverage to 90%" -> `test_coverage_boost`, "comprehensive security
 * audit" -> `security_deep_dive`. Case-insensitive whole-word matching; the most specific
 * composition wins. Pure and deterministic: a caller routes the task to the match, or offers it.
 *
 * @example
 * ```ts
 * matchPrebuiltComposition('prepare for the 2.0 release')?.taskPattern; // "release_prep"
 * matchPrebuiltComposition('write the release notes'); // undefined (documentation)
 * ```
 * @throws ValidationError naming `task` when it is not a string
 */
export function matchPrebuiltComposition(task: string): PrebuiltMatch | undefined {
  if (typeof task !== 'string') throw new ValidationError('task', 'must be a string');
  for (const matcher of MATCHERS) {
    const matches = matcher.all.map((pattern) => pattern.exec(task));
    if (matches.some((match) => match === null)) continue;
    if (matcher.not?.some((pattern) => pattern.test(task))) continue;
    const composition = PREBUILT_COMPOSITIONS[matcher.taskPattern];
    const matched = matches.map((match) => match?.[0] ?? '').join(' ... ');
    return {
      taskPattern: matcher.taskPattern,
      name: composition.name,
      matched,
      reason: `"${matched}" matches the pre-built ${composition.name.toLowerCase()} composition (${matcher.taskPattern})`,
    };
  }
  return undefined;
}

/**
 * Spawns a pre-built composition's team for a task: each agent from its template at its tier,
 * with its focus in its instructions. Quality gates: the composition's, overlaid with `qualityGates`.
 *
 * @throws BatonError `BATON_CONFIGURATION` when a template is missing from the registry;
 *   ValidationError naming `taskPattern` for an unknown pattern.
 */
export function spawnPrebuiltTeam(options: {
  taskPattern: PrebuiltTaskPattern;
  task: string;
  registry: TemplateRegistry;
  qualityGates?: QualityGates | undefined;
}): { composition: PrebuiltComposition; agents: PlannedAgent[]; qualityGates: QualityGates } {
  const composition = (PREBUILT_COMPOSITIONS as Record<string, PrebuiltComposition>)[
    options.taskPattern
  ];
  if (composition === undefined || !Object.hasOwn(PREBUILT_COMPOSITIONS, options.taskPattern)) {
    throw new ValidationError(
      'taskPattern',
      `unknown pre-built composition "${String(options.taskPattern)}" (known: ${Object.keys(PREBUILT_COMPOSITIONS).join(', ')})`,
    );
  }
  const qualityGates = { ...composition.qualityGates, ...options.qualityGates };
  const agents = composition.agents.map((member) => {
    const template = options.registry.get(member.templateId);
    if (template === undefined) {
      throw new BatonError(
        BatonErrorCode.CONFIGURATION,
        `The pre-built ${composition.taskPattern} composition needs template ${member.templateId}, which the registry does not have`,
      );
    }
    return spawnAgent(template, {
      tier: member.tier,
      task: options.task,
      role: member.role,
      id: member.id,
      roleInstructions: `${describeStrategyRole(member.role, member.tier)} Your focus: ${member.focus}.`,
      qualityGates,
    });
  });
  return { composition, agents, qualityGates };
}
