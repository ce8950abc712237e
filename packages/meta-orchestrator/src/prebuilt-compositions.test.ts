import { TemplateRegistry } from '@baton/templates';
import { describe, expect, it } from 'vitest';
import { composedPlanSchema } from './composed-plan.js';
import { MetaOrchestrator } from './meta-orchestrator.js';
import {
  matchPrebuiltComposition,
  PREBUILT_COMPOSITIONS,
  PrebuiltTaskPattern,
  spawnPrebuiltTeam,
} from './prebuilt-compositions.js';

describe('matchPrebuiltComposition', () => {
  it.each([
    ['prepare for the 2.0 release', 'release_prep'],
    ['Prepare for v3.12.0 release', 'release_prep'],
    ['get the project ready to release', 'release_prep'],
    ['release readiness check for the payments service', 'release_prep'],
    ['cut release 4.1.0', 'release_prep'],
    ['pre-release checks', 'release_prep'],
    ['boost test coverage to 90%', 'test_coverage_boost'],
    ['increase coverage of the parser', 'test_coverage_boost'],
    ['bring the tests to 85% coverage', 'test_coverage_boost'],
    ['perform comprehensive security audit', 'security_deep_dive'],
    ['security deep dive of the auth service', 'security_deep_dive'],
    ['threat modelling for the new API: a security review', 'security_deep_dive'],
    // The most specific wins: a deep security audit before a release is a deep dive.
    ['thorough security audit before the 2.0 release', 'security_deep_dive'],
    ['boost coverage before we prepare the release', 'test_coverage_boost'],
  ])('routes "%s" to %s', (task, taskPattern) => {
    expect(matchPrebuiltComposition(task)?.taskPattern).toBe(taskPattern);
  });

  it.each([
    'write the release notes for 2.0',
    'review the coverage report', // no boost asked for
    'fix the security header bug', // a fix, not a deep dive
    'update API documentation',
    'do something generic',
    '',
  ])('offers nothing for "%s"', (task) => {
    expect(matchPrebuiltComposition(task)).toBeUndefined();
  });

  it('says which words matched and why', () => {
    expect(matchPrebuiltComposition('prepare for the 2.0 release')).toEqual({
      taskPattern: 'release_prep',
      name: 'Release preparation',
      matched: 'prepare for the 2.0 release',
      reason:
        '"prepare for the 2.0 release" matches the pre-built release preparation composition (release_prep)',
    });
    expect(matchPrebuiltComposition('comprehensive security audit')?.matched).toBe(
      'security ... comprehensive',
    );
    expect(() => matchPrebuiltComposition(42 as never)).toThrow('task: must be a string');
  });
});

describe('pre-built compositions', () => {
  it('uses the task patterns @baton/workflows stores its workflows under', () => {
    expect(Object.values(PrebuiltTaskPattern)).toEqual([
      'release_prep',
      'test_coverage_boost',
      'security_deep_dive',
    ]);
    expect(Object.keys(PREBUILT_COMPOSITIONS)).toEqual(Object.values(PrebuiltTaskPattern));
  });

  it('composes each as an executable plan with estimates, the task in every agent', () => {
    const orchestrator = new MetaOrchestrator();
    const release = orchestrator.composePrebuilt('release_prep', 'prepare for the 2.0 release', {
      qualityGates: { min_coverage: 90 },
    });
    expect(composedPlanSchema.parse(release)).toEqual(release);
    expect(release).toMatchObject({
      strategy: 'parallel',
      strategyRule: 'prebuilt',
      qualityGates: {
        min_coverage: 90,
        max_critical_issues: 0,
        min_quality_score: 7,
        min_doc_coverage: 100,
      },
      estimatedCost: 3 + 10 + 3 + 1 + 3,
    });
    expect(release.agents.map((agent) => `${agent.id}:${agent.tier}`)).toEqual([
      'test_coverage_analyzer:CAPABLE',
      'security_auditor:PREMIUM',
      'code_reviewer:CAPABLE',
      'documentation_writer:CHEAP',
      'performance_optimizer:CAPABLE',
    ]);
    expect(release.agents[1]?.instructions).toContain('## Task\nprepare for the 2.0 release');
    expect(release.agents[1]?.instructions).toContain(
      'Your focus: critical and high security issues.',
    );

    const deepDive = orchestrator.composePrebuilt('security_deep_dive', 'security deep dive');
    expect(deepDive.agents.map((agent) => `${agent.strategyRole}:${agent.tier}`)).toEqual([
      'perspective:PREMIUM',
      'perspective:PREMIUM',
      'perspective:PREMIUM',
      'synthesizer:CAPABLE',
    ]);
    const boost = orchestrator.composePrebuilt('test_coverage_boost', 'boost coverage to 90%');
    expect(boost.strategy).toBe('sequential');
    expect(boost.agents.map((agent) => agent.id)).toEqual([
      'coverage_analyzer',
      'test_generator',
      'quality_validator',
    ]);
  });

  it('keeps a pre-built team curated: tier variants, no strategy alternatives', () => {
    const orchestrator = new MetaOrchestrator();
    const plan = orchestrator.composePrebuilt('security_deep_dive', 'security deep dive');
    expect(orchestrator.composeCandidates(plan).map((candidate) => candidate.description)).toEqual([
      'pre-built',
      'one tier down',
      'one tier up',
    ]);
  });

  it('names an unknown pattern or a missing template', () => {
    const orchestrator = new MetaOrchestrator();
    expect(() => orchestrator.composePrebuilt('bug_bash' as never, 'x')).toThrow(
      'taskPattern: unknown pre-built composition "bug_bash" (known: release_prep, test_coverage_boost, security_deep_dive)',
    );
    expect(() =>
      spawnPrebuiltTeam({
        taskPattern: 'release_prep',
        task: 'x',
        registry: new TemplateRegistry({ builtIns: false }),
      }),
    ).toThrow('needs template test_coverage_analyzer');
  });
});
