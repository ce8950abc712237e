import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  analyzeCoverage,
  analyzeDocumentation,
  analyzeQuality,
  type CoverageResult,
  type DocumentationResult,
  type QualityResult,
  type SecurityResult,
  scanSecurity,
} from '@baton/analyzers';
import { AgentConfiguration, ConfigurationStore } from '@baton/config-store';
import {
  AbortedError,
  type Agent,
  type AgentExecutor,
  BatonEmitter,
  ValidationError,
} from '@baton/core';
import { spawnAgent } from '@baton/meta-orchestrator';
import { Runtime } from '@baton/runtime';
import { getTemplate } from '@baton/templates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatMarkdown,
  formatSarif,
  MODEL_REVIEW_TASK,
  OrchestratedReleasePrepWorkflow,
  type ReleaseAnalyzers,
} from '../src/index.js';
import {
  copyFixture,
  fixturePath,
  removeTemporaryDirectories,
  temporaryDirectory,
} from './helpers.js';

afterAll(removeTemporaryDirectories);

/** Real measurements of the release-blocked fixture, replayed by analyzers that answer at once. */
let measured: {
  security: SecurityResult;
  coverage: CoverageResult;
  quality: QualityResult;
  documentation: DocumentationResult;
};
let replay: ReleaseAnalyzers;
const blocked = fixturePath('release-blocked');

beforeAll(async () => {
  measured = {
    security: await scanSecurity({ root: blocked, auditFile: 'audit/npm-audit.json' }),
    coverage: await analyzeCoverage({ root: blocked }),
    quality: await analyzeQuality({ root: blocked }),
    documentation: await analyzeDocumentation({ root: blocked }),
  };
  replay = {
    security: async () => measured.security,
    coverage: async () => measured.coverage,
    quality: async () => measured.quality,
    documentation: async () => measured.documentation,
  };
});

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('OrchestratedReleasePrepWorkflow options', () => {
  it('names the offending gate for a bad threshold', () => {
    const error = validationError(
      () => new OrchestratedReleasePrepWorkflow({ qualityGates: { min_coverage: -5 } }),
    );
    expect(error.field).toBe('qualityGates.min_coverage');
    expect(error.message).toBe('qualityGates.min_coverage: must be a number >= 0 (got -5)');
  });

  it('rejects an agent list without any release agent, naming agentIds', () => {
    const error = validationError(
      () => new OrchestratedReleasePrepWorkflow({ agentIds: ['performance_optimizer', 'nobody'] }),
    );
    expect(error.field).toBe('agentIds');
    expect(error.message).toBe(
      'agentIds: none of performance_optimizer, nobody is a release agent (release agents: security_auditor, test_coverage_analyzer, code_reviewer, documentation_writer)',
    );
    expect(validationError(() => new OrchestratedReleasePrepWorkflow({ agentIds: [] })).field).toBe(
      'agentIds',
    );
  });

  it('names other bad options', () => {
    expect(
      validationError(() => new OrchestratedReleasePrepWorkflow({ agentTimeoutSeconds: 0 }))
        .message,
    ).toBe('agentTimeoutSeconds: must be a number of seconds > 0 (got 0)');
    expect(
      validationError(() => new OrchestratedReleasePrepWorkflow({ coverageFile: '' })).field,
    ).toBe('coverageFile');
    expect(
      validationError(
        () => new OrchestratedReleasePrepWorkflow({ store: {} as unknown as ConfigurationStore }),
      ).field,
    ).toBe('store');
  });

  it('rejects a path that is not a directory, naming path', async () => {
    const workflow = new OrchestratedReleasePrepWorkflow({ store: false, runtime: false });
    await expect(workflow.execute({ path: path.join(blocked, 'package.json') })).rejects.toThrow(
      /^path: is not a directory: /,
    );
    await expect(workflow.execute({ path: blocked, context: [] as never })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('stops before measuring when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const workflow = new OrchestratedReleasePrepWorkflow({
      store: false,
      runtime: false,
      analyzers: replay,
    });
    await expect(
      workflow.execute({ path: blocked, signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
  });
});

it('rejects promptly when aborted while agents run, and records no outcome', async () => {
  const storageDir = await temporaryDirectory();
  const store = new ConfigurationStore({ storageDir });
  const controller = new AbortController();
  const hang: ReleaseAnalyzers['coverage'] = ({ signal }) =>
    new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      setTimeout(() => controller.abort(), 20);
    });
  const started = performance.now();
  await expect(
    new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store,
      analyzers: { ...replay, coverage: hang },
    }).execute({ path: blocked, signal: controller.signal }),
  ).rejects.toBeInstanceOf(AbortedError);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(await store.listAll()).toEqual([]);
});

describe('the team', () => {
  it('runs the four release agents in parallel on the engine, as a durable run', async () => {
    const events = new BatonEmitter();
    const started: string[] = [];
    const strategies: string[] = [];
    events.on('step-start', (event) => started.push(event.agentId ?? ''));
    events.on('run-start', (event) => strategies.push(String(event.strategy)));
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: replay,
      events,
    }).execute({ path: blocked });
    expect(strategies).toEqual(['parallel']);
    expect(started.sort()).toEqual([
      'code_reviewer',
      'documentation_writer',
      'security_auditor',
      'test_coverage_analyzer',
    ]);
    expect(report.qualityGates.map((gate) => gate.actual)).toEqual([3, 79.62, 10, 50]);
  });

  it('runs only the listed agents, skips unknown ids with a warning and says which gates were not checked', async () => {
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: replay,
      agentIds: ['documentation_writer', 'made_up_agent'],
    }).execute({ path: blocked });
    expect(report.agentResults.map((result) => result.agentId)).toEqual(['documentation_writer']);
    expect(report.qualityGates.map((gate) => gate.name)).toEqual(['Documentation']);
    expect(report.warnings).toEqual([
      'Agent "made_up_agent" skipped: not a release agent (release agents: security_auditor, test_coverage_analyzer, code_reviewer, documentation_writer)',
      expect.stringMatching(/^Documentation: 50% of the public API documented/),
      'Not checked (their agents were not in the team): Security, Test Coverage, Code Quality',
    ]);
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('medium');
  });

  it('turns a throwing analysis into a failed agent: a blocker with its error, the gate unknown', async () => {
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: {
        ...replay,
        documentation: async () => {
          throw new Error('parser crashed');
        },
      },
    }).execute({ path: blocked });
    const documentation = report.agentResults.find(
      (result) => result.agentId === 'documentation_writer',
    )!;
    expect(documentation.success).toBe(false);
    expect(report.blockers).toContain('Agent "documentation_writer" failed: parser crashed');
    const gate = report.qualityGates.find((item) => item.name === 'Documentation')!;
    expect(gate).toMatchObject({ actual: null, passed: false });
    expect(gate.message).toBe('not measured: Agent "documentation_writer" failed: parser crashed');
    expect(report.formatConsoleOutput()).toContain('❌ documentation_writer: ');
  });

  it('enforces the agent time limit through the strategy: a timed-out agent is a blocker', async () => {
    const hang: ReleaseAnalyzers['coverage'] = ({ signal }) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
      });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: { ...replay, coverage: hang },
      // Long enough for the replayed agents on a busy machine.
      agentTimeoutSeconds: 0.5,
    }).execute({ path: blocked });
    expect(report.blockers).toContain('Agent "test_coverage_analyzer" timed out after 0.5s');
    const gate = report.qualityGates.find((item) => item.name === 'Test Coverage')!;
    expect(gate.actual).toBeNull();
    expect(report.approved).toBe(false);
    expect(report.agentResults.filter((result) => result.success)).toHaveLength(3);
  });
});

describe('model review', () => {
  function scriptedModel(
    calls: Array<{ agent: Agent; context: Record<string, unknown> }>,
  ): AgentExecutor<Agent> {
    return async (agent, context) => {
      calls.push({ agent, context });
      if (agent.templateId === 'security_auditor') {
        return {
          output: {
            summary: 'A deploy key is committed.',
            findings: [
              {
                severity: 'critical',
                message: 'The deploy key in publish.js looks like a production key',
                location: { file: 'src/publish.js', line: 3 },
              },
              { severity: 'medium', message: 'exec with string concatenation in files.js' },
            ],
            recommendations: ['Rotate the key and load it from the environment.'],
            confidence: 0.8,
          },
          confidence: 0.8,
          usage: { inputTokens: 1200, outputTokens: 150, costUsd: 0.002, model: 'scripted' },
        };
      }
      if (agent.templateId === 'code_reviewer') {
        return {
          output: { model: 'scripted' },
          success: false,
          error: 'HTTP 401: invalid API key',
        };
      }
      return {
        output: { summary: 'Looks fine.', findings: [], recommendations: [], confidence: 0.6 },
        confidence: 0.6,
      };
    };
  }

  it('adds the model findings and recommendations; gates stay measured; critical findings become warnings to confirm', async () => {
    const calls: Array<{ agent: Agent; context: Record<string, unknown> }> = [];
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: replay,
      modelExecutor: scriptedModel(calls),
    }).execute({ path: blocked, context: { version: '1.2.0' } });

    expect(report.qualityGates.map((gate) => [gate.actual, gate.passed])).toEqual([
      [3, false],
      [79.62, false],
      [10, true],
      [50, false],
    ]);
    const securityCall = calls.find((call) => call.agent.templateId === 'security_auditor')!;
    expect(securityCall.context.task).toBe(MODEL_REVIEW_TASK);
    expect(securityCall.context.version).toBe('1.2.0');
    expect(securityCall.context.evidence).toMatchObject({ check: 'security', figure: 3 });
    expect(JSON.stringify(securityCall.context)).not.toContain('FAKEtokenForBatonTests');

    const security = report.agentResults.find((result) => result.agentId === 'security_auditor')!;
    expect(security.confidence).toBe(0.8);
    expect(security.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 150,
      costUsd: 0.002,
      model: 'scripted',
    });
    expect(report.evidence.security!.review).toEqual({
      status: 'reviewed',
      summary: 'A deploy key is committed.',
      findings: [
        {
          severity: 'critical',
          message: 'The deploy key in publish.js looks like a production key',
          location: { file: 'src/publish.js', line: 3 },
        },
        { severity: 'medium', message: 'exec with string concatenation in files.js' },
      ],
      recommendations: ['Rotate the key and load it from the environment.'],
      confidence: 0.8,
    });
    expect(report.warnings).toContain(
      'Model review of security_auditor reports a critical finding for a person to confirm: The deploy key in publish.js looks like a production key (src/publish.js:3)',
    );
    expect(report.warnings).toContain(
      'Model review of code_reviewer failed: HTTP 401: invalid API key',
    );
    // A failed review does not fail the agent: its measurement stands.
    expect(report.agentResults.every((result) => result.success)).toBe(true);

    const console = report.formatConsoleOutput();
    expect(console).toContain('Model review findings to confirm (2):');
    expect(console).toContain(
      '  security_auditor: Rotate the key and load it from the environment.',
    );
    const sarif = formatSarif(report);
    expect(
      sarif.runs[0]!.results.filter((result) => result.ruleId === 'model-review/security'),
    ).toHaveLength(1);
  });

  it('redacts secrets a model writes into its review in every report format', async () => {
    const key = 'AKIAIOSFODNN7EXAMPLE';
    const token = `ghp_${'x9Y8'.repeat(9)}`;
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: replay,
      agentIds: ['security_auditor'],
      modelExecutor: async () => ({
        output: {
          summary: `The key ${key} is committed.`,
          findings: [
            {
              severity: 'critical',
              message: `Rotate ${key} and ${token}`,
              location: { file: 'src/publish.js', line: 3 },
            },
          ],
          recommendations: [`Revoke ${token}.`],
          confidence: 0.9,
        },
      }),
    }).execute({ path: blocked });
    const review = report.evidence.security!.review;
    expect(review).toMatchObject({
      status: 'reviewed',
      summary: 'The key AKIA**************** is committed.',
      recommendations: [`Revoke ghp_${'*'.repeat(36)}.`],
    });
    const outputs = [
      JSON.stringify(report.toJSON()),
      report.formatConsoleOutput(),
      formatMarkdown(report),
      JSON.stringify(formatSarif(report)),
    ];
    for (const output of outputs) {
      expect(output).toContain('AKIA****');
      expect(output).not.toContain(key);
      expect(output).not.toContain(token);
    }
  });

  it('records a model answer that does not match the format as a failed review', async () => {
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      analyzers: replay,
      agentIds: ['documentation_writer'],
      modelExecutor: async () => ({ output: { findings: 'none' } }),
    }).execute({ path: blocked });
    expect(report.evidence.documentation!.review).toEqual({
      status: 'failed',
      error: expect.stringMatching(
        /^the model's review did not match the answer format: answer\.findings: /,
      ),
    });
    expect(
      report.warnings.some((warning) =>
        warning.startsWith('Model review of documentation_writer failed'),
      ),
    ).toBe(true);
  });
});

describe('configuration store (task pattern release_prep)', () => {
  it('saves the composition in <path>/.baton/compositions and records the outcome', async () => {
    const root = await copyFixture('release-blocked');
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      analyzers: replay,
    }).execute({ path: root });
    const id =
      'release_prep-code_reviewer-documentation_writer-security_auditor-test_coverage_analyzer';
    expect(report.composition).toEqual({
      id,
      taskPattern: 'release_prep',
      reused: false,
      previousSuccessRate: null,
      previousUsageCount: 0,
      recordedQualityScore: 25,
    });
    const stored = JSON.parse(
      await readFile(path.join(root, '.baton', 'compositions', `${id}.json`), 'utf8'),
    ) as Record<string, unknown>;
    expect(stored).toMatchObject({
      taskPattern: 'release_prep',
      strategy: 'parallel',
      usageCount: 1,
      successCount: 0,
      failureCount: 1,
      successRate: 0,
      avgQualityScore: 25,
    });
    expect((stored.agents as Agent[]).map((agent) => agent.templateId)).toEqual([
      'security_auditor',
      'test_coverage_analyzer',
      'code_reviewer',
      'documentation_writer',
    ]);
  });

  it('reuses a proven composition (success rate >= 0.8) and says so', async () => {
    const storageDir = await temporaryDirectory();
    const store = new ConfigurationStore({ storageDir });
    const template = getTemplate('security_auditor')!;
    await store.save(
      new AgentConfiguration({
        id: 'security-only',
        taskPattern: 'release_prep',
        agents: [spawnAgent(template, { tier: 'PREMIUM', task: 'check', role: 'worker' })],
        strategy: 'parallel',
      }),
    );
    for (let run = 0; run < 4; run++)
      await store.recordOutcome('security-only', { success: true, qualityScore: 100 });
    await store.recordOutcome('security-only', { success: false, qualityScore: 0 });

    const report = await new OrchestratedReleasePrepWorkflow({
      store,
      runtime: false,
      analyzers: replay,
    }).execute({
      path: blocked,
    });
    expect(report.agentResults.map((result) => result.agentId)).toEqual(['security_auditor']);
    expect(report.composition).toEqual({
      id: 'security-only',
      taskPattern: 'release_prep',
      reused: true,
      previousSuccessRate: 0.8,
      previousUsageCount: 5,
      recordedQualityScore: 0,
    });
    expect(report.summary).toContain(
      'Reused the proven composition "security-only" (success rate 80% over 5 runs).',
    );
    const after = await store.load('security-only');
    expect(after?.usageCount).toBe(6);
    expect(after?.failureCount).toBe(2);
  });

  it('composes afresh when the best composition is below 0.8, and when agents are listed explicitly', async () => {
    const storageDir = await temporaryDirectory();
    const store = new ConfigurationStore({ storageDir });
    await store.save(
      new AgentConfiguration({
        id: 'weak',
        taskPattern: 'release_prep',
        agents: [
          spawnAgent(getTemplate('security_auditor')!, {
            tier: 'PREMIUM',
            task: 'check',
            role: 'worker',
          }),
        ],
        strategy: 'parallel',
      }),
    );
    await store.recordOutcome('weak', { success: true, qualityScore: 100 });
    await store.recordOutcome('weak', { success: false, qualityScore: 0 });
    const fresh = await new OrchestratedReleasePrepWorkflow({
      store,
      runtime: false,
      analyzers: replay,
    }).execute({
      path: blocked,
    });
    expect(fresh.composition?.reused).toBe(false);
    expect(fresh.agentResults).toHaveLength(4);

    await store.recordOutcome('weak', { success: true, qualityScore: 100 });
    await store.recordOutcome('weak', { success: true, qualityScore: 100 });
    await store.recordOutcome('weak', { success: true, qualityScore: 100 });
    await store.recordOutcome('weak', { success: true, qualityScore: 100 });
    expect((await store.load('weak'))?.successRate).toBeGreaterThanOrEqual(0.8);
    const explicit = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store,
      analyzers: replay,
      agentIds: ['test_coverage_analyzer'],
    }).execute({ path: blocked });
    expect(explicit.composition).toMatchObject({
      id: 'release_prep-test_coverage_analyzer',
      reused: false,
    });
    expect(explicit.agentResults.map((result) => result.agentId)).toEqual([
      'test_coverage_analyzer',
    ]);
  });

  it('records success and the percentage of gates passed for an approved run', async () => {
    const storageDir = await temporaryDirectory();
    const store = new ConfigurationStore({ storageDir });
    const root = await copyFixture('docs-gap', { withBiome: true });
    const workflow = new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store,
      auditFile: 'audit/npm-audit.json',
    });
    const first = await workflow.execute({ path: root });
    expect(first.approved).toBe(true);
    expect(first.composition?.recordedQualityScore).toBe(75);
    const second = await workflow.execute({ path: root });
    expect(second.composition).toMatchObject({
      reused: true,
      previousSuccessRate: 1,
      previousUsageCount: 1,
    });
    const best = await store.getBestForTask('release_prep');
    expect(best).toMatchObject({ usageCount: 2, successCount: 2, avgQualityScore: 75 });
  });
});

describe('the check as a durable run', () => {
  it('is a run of the project: cancelled midway it resumes without measuring finished agents again', async () => {
    const project = await copyFixture('release-blocked');
    const calls: Record<string, number> = {};
    const controller = new AbortController();
    const counted =
      <T>(name: string, answer: () => Promise<T>) =>
      async () => {
        calls[name] = (calls[name] ?? 0) + 1;
        return answer();
      };
    const first = {
      security: counted('security', async () => measured.security),
      coverage: counted('coverage', async () => measured.coverage),
      quality: counted('quality', async () => measured.quality),
      // The documentation agent is still measuring when the check is cancelled.
      documentation: counted('documentation', async () => {
        // The other three answer at once; cancel once they are committed.
        await new Promise((resolve) => setTimeout(resolve, 100));
        // Its answer comes after the cancel: it does not count (a durable run waits for it to end).
        controller.abort(new AbortedError('interrupted'));
        return measured.documentation;
      }),
    };
    const workflow = new OrchestratedReleasePrepWorkflow({ store: false, analyzers: first });
    await expect(workflow.execute({ path: project, signal: controller.signal })).rejects.toThrow(
      'interrupted',
    );
    const runtime = new Runtime({ dir: path.join(project, '.baton') });
    const [stopped] = (await runtime.store.list()).runs;
    expect(stopped).toMatchObject({ status: 'cancelled', resumable: true });
    expect(stopped!.progress.done).toBe(3);

    const again = new OrchestratedReleasePrepWorkflow({
      store: false,
      analyzers: {
        security: counted('security', async () => measured.security),
        coverage: counted('coverage', async () => measured.coverage),
        quality: counted('quality', async () => measured.quality),
        documentation: counted('documentation', async () => measured.documentation),
      },
    });
    const report = await again.resume(stopped!.id, { path: project });
    expect(report.runId).toBe(stopped!.id);
    expect(calls).toEqual({ security: 1, coverage: 1, quality: 1, documentation: 2 });
    expect(report.approved).toBe(false);
    expect(report.qualityGates.map((gate) => gate.name)).toEqual([
      'Security',
      'Test Coverage',
      'Code Quality',
      'Documentation',
    ]);
    expect((await runtime.store.show(stopped!.id)).status).toBe('succeeded');
  });

  it('stopped by its budget, it names the agents that did not run, and a resume with more budget finishes it', async () => {
    const project = await copyFixture('release-blocked');
    const calls: Record<string, number> = {};
    const counting = (): ReleaseAnalyzers => ({
      security: async () => {
        calls.security = (calls.security ?? 0) + 1;
        return measured.security;
      },
      coverage: async () => {
        calls.coverage = (calls.coverage ?? 0) + 1;
        return measured.coverage;
      },
      quality: async () => {
        calls.quality = (calls.quality ?? 0) + 1;
        return measured.quality;
      },
      documentation: async () => {
        calls.documentation = (calls.documentation ?? 0) + 1;
        return measured.documentation;
      },
    });
    const stoppedReport = await new OrchestratedReleasePrepWorkflow({
      store: false,
      analyzers: counting(),
      budget: { maxAgents: 2 },
    }).execute({ path: project });
    expect(stoppedReport.approved).toBe(false);
    const runtime = new Runtime({ dir: path.join(project, '.baton') });
    const stopped = await runtime.store.show(stoppedReport.runId!);
    expect(stopped.status).toBe('budget-exceeded');
    expect(Object.values(calls).reduce((sum, n) => sum + n, 0)).toBe(2);
    expect(JSON.stringify(stoppedReport.toJSON())).toContain('not run: the budget stopped the run');

    const report = await new OrchestratedReleasePrepWorkflow({
      store: false,
      analyzers: counting(),
      budget: { maxAgents: 4 },
    }).resume(stoppedReport.runId!, { path: project });
    expect(report.runId).toBe(stoppedReport.runId);
    expect(calls).toEqual({ security: 1, coverage: 1, quality: 1, documentation: 1 });
    expect(JSON.stringify(report.toJSON())).not.toContain('not run: the budget stopped the run');
    expect((await runtime.store.show(stoppedReport.runId!)).status).toBe('succeeded');
  });
});
