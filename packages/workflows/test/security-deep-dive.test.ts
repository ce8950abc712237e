import path from 'node:path';
import { ConfigurationStore } from '@baton/config-store';
import { AbortedError, type Agent, type AgentExecutor } from '@baton/core';
import { Runtime } from '@baton/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exitCodeFor,
  formatSecurityConsole,
  SecurityDeepDiveReport,
  SecurityDeepDiveWorkflow,
  TestCoverageBoostWorkflow,
} from '../src/index.js';
import {
  copyFixture,
  fixturePath,
  removeTemporaryDirectories,
  temporaryDirectory,
} from './helpers.js';
import { PLANTED_KEY, type ScriptedCall, scriptedSecurityExecutor } from './security-scripts.js';

const PLANTED = fixturePath('security-planted');
const CLEAN = fixturePath('security-clean');
const AUDIT = 'audit/npm-audit.json';
const clock = () => new Date('2026-01-10T14:32:15.000Z');

const where = (item: { file: string; line: number }) => `${item.file}:${item.line}`;

describe('the security deep dive from evidence alone (no executor)', () => {
  it('finds every planted problem with its rule, CWE, file and line, and blocks (exit 1)', async () => {
    const report = await new SecurityDeepDiveWorkflow({
      auditFile: AUDIT,
      noExecutorReason: 'no model or agent CLI configured',
      clock,
    }).execute({ path: PLANTED });
    const data = report.toJSON();
    expect(
      data.evidence.findings.map((finding) => [
        finding.id,
        finding.severity,
        finding.ruleId,
        finding.cwe,
        where(finding),
      ]),
    ).toEqual([
      ['E-1', 'critical', 'dependency/GHSA-xvch-5gv4-984h', 'CWE-1395', 'package.json:9'],
      ['E-2', 'critical', 'secret/aws-access-key-id', 'CWE-798', 'src/config.js:2'],
      ['E-3', 'critical', 'surface/command-injection', 'CWE-78', 'src/server.js:12'],
      ['E-4', 'critical', 'surface/unsafe-deserialization-of-input', 'CWE-502', 'src/server.js:19'],
      ['E-5', 'high', 'js/shell-command-from-string', 'CWE-78', 'src/server.js:12'],
      ['E-6', 'high', 'js/unsafe-deserialization', 'CWE-502', 'src/server.js:19'],
      ['E-7', 'high', 'js/tls-verification-disabled', 'CWE-295', 'src/server.js:24'],
    ]);
    expect(
      data.evidence.surface.items
        .filter((item) => item.kind === 'http-route')
        .map((item) => `${item.name} ${where(item)}`),
    ).toEqual([
      'GET /thumbnail src/server.js:11',
      'POST /profile src/server.js:18',
      'GET /partner-status src/server.js:25',
    ]);
    expect(data.gates.map((gate) => [gate.name, gate.actual, gate.passed, gate.critical])).toEqual([
      ['Critical Findings', 4, false, true],
      ['Compliance', 4, false, true],
      ['Remediation Plan', null, false, false],
    ]);
    expect(data.compliance.map((check) => [check.id, check.status])).toEqual([
      ['no-secrets', 'fail'],
      ['tls-verification', 'fail'],
      ['no-critical-advisories', 'fail'],
      ['no-request-input-in-dangerous-sinks', 'fail'],
      ['secure-auth-settings', 'pass'],
    ]);
    expect(data.auditors).toMatchObject({
      ran: false,
      reason: 'no model or agent CLI configured',
      missing: [],
    });
    expect(data.plan).toEqual({
      status: 'not-generated',
      reason: 'no auditor ran: no model or agent CLI configured',
      disputed: [],
    });
    expect(data.warnings).toContain('No auditor ran: no model or agent CLI configured');
    expect(data.agentRuns).toEqual([]);
    expect(data.usage).toBeNull();
    expect(report.approved).toBe(false);
    expect(exitCodeFor(report)).toBe(1);
    expect(JSON.stringify(data)).not.toContain(PLANTED_KEY);
  });

  it('reports no finding on the clean project and passes every gate (exit 0)', async () => {
    const report = await new SecurityDeepDiveWorkflow({ auditFile: AUDIT, clock }).execute({
      path: CLEAN,
    });
    const data = report.toJSON();
    expect(data.evidence.findings).toEqual([]);
    expect(data.evidence.surface.findings).toEqual([]);
    // The clean project still has an attack surface: it is listed, it is not a finding.
    expect(data.evidence.surface.counts['http-route']).toBe(2);
    expect(data.compliance.every((check) => check.status === 'pass')).toBe(true);
    expect(data.gates.map((gate) => [gate.name, gate.actual, gate.passed])).toEqual([
      ['Critical Findings', 0, true],
      ['Compliance', 0, true],
      ['Remediation Plan', 0, true],
    ]);
    expect(data.plan).toMatchObject({ status: 'generated', items: [], missing: [] });
    expect(data.blockers).toEqual([]);
    expect(data.warnings).toEqual(['No auditor ran: no executor was given']);
    expect(exitCodeFor(report)).toBe(0);
  });
});

describe('the security deep dive with scripted auditors', () => {
  async function plantedRun(options: { hang?: string[]; fail?: string[]; timeout?: number } = {}) {
    const calls: ScriptedCall[] = [];
    const report = await new SecurityDeepDiveWorkflow({
      executor: scriptedSecurityExecutor({ ...options, calls }),
      auditFile: AUDIT,
      agentTimeoutSeconds: options.timeout,
      clock,
      // The fixture is shared: no run or composition is kept in it.
      runtime: false,
      store: false,
    }).execute({ path: PLANTED });
    return { report, data: report.toJSON(), calls };
  }

  it('spawns three PREMIUM auditors with their focus and a CAPABLE code reviewer, in three phases', async () => {
    const { calls } = await plantedRun();
    expect(calls.map((call) => [call.phase, call.agentId, call.tier])).toEqual([
      ['audit', 'security_auditor__vulnerabilities', 'PREMIUM'],
      ['audit', 'security_auditor__threat_modeling', 'PREMIUM'],
      ['audit', 'security_auditor__compliance', 'PREMIUM'],
      ['debate', 'security_auditor__vulnerabilities', 'PREMIUM'],
      ['debate', 'security_auditor__threat_modeling', 'PREMIUM'],
      ['debate', 'security_auditor__compliance', 'PREMIUM'],
      ['synthesis', 'code_reviewer__synthesizer', 'CAPABLE'],
    ]);
    // Each auditor sees the other auditors' findings in the debate, never only its own.
    const seen = (agentId: string) =>
      (
        calls.find((call) => call.phase === 'debate' && call.agentId === agentId)!.context
          .findings as Array<{ id: string; reportedBy: string[] }>
      ).map((item) => item.id);
    expect(seen('security_auditor__vulnerabilities')).toEqual(['A-3', 'A-4', 'A-5', 'A-6']);
    expect(seen('security_auditor__threat_modeling')).toEqual(['A-2', 'A-4', 'A-5', 'A-6']);
    expect(seen('security_auditor__compliance')).toEqual(['A-1', 'A-2', 'A-3']);
  });

  it('drops invented locations, lets the majority decide, and plans every open finding once', async () => {
    const { data } = await plantedRun();
    expect(
      data.findings.map((finding) => [
        finding.id,
        finding.cwe,
        where(finding.location),
        finding.status,
        `${finding.confirmations}/${finding.votes.length}`,
        finding.reportedBy.map((reporter) => reporter.agentId.replace('security_auditor__', '')),
      ]),
    ).toEqual([
      [
        'A-1',
        'CWE-78',
        'src/server.js:12',
        'confirmed',
        '3/3',
        ['vulnerabilities', 'threat_modeling'],
      ],
      ['A-2', 'CWE-306', 'src/server.js:18', 'confirmed', '2/3', ['vulnerabilities']],
      ['A-3', 'CWE-502', 'src/server.js:19', 'confirmed', '3/3', ['threat_modeling']],
      ['A-4', 'CWE-295', 'src/server.js:24', 'confirmed', '3/3', ['compliance']],
      ['A-5', 'CWE-798', 'src/config.js:2', 'confirmed', '3/3', ['compliance']],
      ['A-6', 'CWE-200', 'src/server.js:7', 'disputed', '1/3', ['compliance']],
    ]);
    // The measured findings at the same lines back the auditors' findings up.
    expect(data.findings[0]!.evidenceIds).toEqual(['E-3', 'E-5']);
    expect(
      data.rejectedFindings.map((item) => [item.agentId, item.findingId, item.reason]),
    ).toEqual([
      [
        'security_auditor__vulnerabilities',
        'V2',
        'location not verified: line 412 does not exist in src/server.js (31 lines)',
      ],
      [
        'security_auditor__compliance',
        'C4',
        'location not verified: line 99 does not exist in src/config.js (4 lines)',
      ],
    ]);
    // Nothing of the invented findings reaches the report as a finding or a plan step.
    expect(JSON.stringify(data.findings)).not.toContain('SQL injection');
    expect(data.plan.status).toBe('generated');
    if (data.plan.status !== 'generated') return;
    expect(
      data.plan.items.map((step) => [
        step.priority,
        step.severity,
        step.findingIds,
        step.ownerFile,
      ]),
    ).toEqual([
      [1, 'critical', ['E-1'], 'package.json'],
      [2, 'critical', ['E-2', 'A-5'], 'src/config.js'],
      [3, 'critical', ['E-3', 'E-5', 'A-1'], 'src/server.js'],
      [4, 'critical', ['E-4', 'E-6', 'A-3'], 'src/server.js'],
      [5, 'high', ['E-7', 'A-4'], 'src/server.js'],
      [6, 'medium', ['A-2'], 'src/server.js'],
    ]);
    expect(data.plan.missing).toEqual([]);
    expect(data.plan.notes).toEqual([
      'step 7: A-6 is disputed, listed apart',
      'step 7: unknown finding A-99 left out',
      'step 7 dropped: it names no open finding',
    ]);
    expect(data.plan.disputed).toEqual([
      {
        findingId: 'A-6',
        title: 'Framework banner (X-Powered-By) exposed',
        severity: 'low',
        file: 'src/server.js',
        line: 7,
        confirmations: 1,
        disputes: 2,
        for: [{ agentId: 'security_auditor__compliance', reason: 'reported it (phase 1)' }],
        against: [
          {
            agentId: 'security_auditor__vulnerabilities',
            reason: 'The header only names the framework; not exploitable on its own',
          },
          {
            agentId: 'security_auditor__threat_modeling',
            reason: 'The header only names the framework; not exploitable on its own',
          },
        ],
        reviewerNote: 'Cheap to fix anyway: disable the header.',
      },
    ]);
    expect(data.gates.map((gate) => [gate.name, gate.actual, gate.passed])).toEqual([
      ['Critical Findings', 4, false],
      ['Compliance', 4, false],
      ['Remediation Plan', 0, true],
    ]);
    expect(data.usage).toEqual({
      calls: 7,
      reported: 7,
      inputTokens: 700,
      outputTokens: 280,
      costUsd: 0.007,
    });
    expect(JSON.stringify(data)).not.toContain(PLANTED_KEY);
  });

  it('counts the others’ findings when an auditor times out, and says which auditor is missing', async () => {
    const { data, report } = await plantedRun({
      hang: ['security_auditor__threat_modeling'],
      timeout: 0.5,
    });
    expect(data.auditors.missing).toEqual([
      {
        agentId: 'security_auditor__threat_modeling',
        phase: 'audit',
        reason: expect.stringMatching(
          /^Agent "security_auditor__threat_modeling" timed out after 0\.5s/,
        ),
      },
    ]);
    expect(data.warnings).toContainEqual(
      expect.stringMatching(/^security_auditor__threat_modeling is missing from the audit phase: /),
    );
    expect(
      data.findings.map((finding) => [
        where(finding.location),
        finding.status,
        `${finding.confirmations}/${finding.votes.length}`,
      ]),
    ).toEqual([
      ['src/server.js:12', 'confirmed', '2/2'],
      ['src/server.js:18', 'confirmed', '2/2'],
      ['src/server.js:24', 'confirmed', '2/2'],
      ['src/config.js:2', 'confirmed', '2/2'],
      // 1 confirm, 1 dispute: no strict majority.
      ['src/server.js:7', 'disputed', '1/2'],
    ]);
    expect(data.agentRuns.map((run) => [run.phase, run.agentId, run.success])).toEqual([
      ['audit', 'security_auditor__vulnerabilities', true],
      ['audit', 'security_auditor__threat_modeling', false],
      ['audit', 'security_auditor__compliance', true],
      ['debate', 'security_auditor__vulnerabilities', true],
      ['debate', 'security_auditor__compliance', true],
      ['synthesis', 'code_reviewer__synthesizer', true],
    ]);
    expect(data.usage).toMatchObject({ calls: 6, reported: 5, costUsd: null });
    expect(formatSecurityConsole(report)).toContain(
      '❌ missing in audit: security_auditor__threat_modeling — Agent "security_auditor__threat_modeling" timed out',
    );
  });

  it('reports a failed code reviewer as a missing plan, a warning, not a crash', async () => {
    const { data } = await plantedRun({ fail: ['code_reviewer__synthesizer'] });
    expect(data.plan).toMatchObject({
      status: 'not-generated',
      reason: expect.stringContaining('the model service answered HTTP 500'),
    });
    expect(data.gates[2]).toMatchObject({
      name: 'Remediation Plan',
      passed: false,
      critical: false,
    });
    expect(data.auditors.missing).toMatchObject([
      { agentId: 'code_reviewer__synthesizer', phase: 'synthesis' },
    ]);
  });

  it('asks no one on the clean project when the auditors find nothing', async () => {
    const calls: ScriptedCall[] = [];
    const report = await new SecurityDeepDiveWorkflow({
      executor: scriptedSecurityExecutor({ audits: {}, calls }),
      auditFile: AUDIT,
      runtime: false,
      store: false,
    }).execute({ path: CLEAN });
    expect(calls.map((call) => call.phase)).toEqual(['audit', 'audit', 'audit']);
    expect(report.toJSON()).toMatchObject({
      approved: true,
      findings: [],
      blockers: [],
      warnings: [],
    });
  });

  it('reads its own JSON back', async () => {
    const { report } = await plantedRun();
    expect(SecurityDeepDiveReport.fromJSON(JSON.parse(JSON.stringify(report))).toJSON()).toEqual(
      report.toJSON(),
    );
  });
});

describe('SecurityDeepDiveWorkflow options', () => {
  it('names the offending option', () => {
    expect(
      () => new SecurityDeepDiveWorkflow({ agents: ['vulnerabilities', 'pentester'] }),
    ).toThrow(
      'agents.1: unknown agent "pentester" (known: vulnerabilities, threat_modeling, compliance, code_reviewer)',
    );
    expect(() => new SecurityDeepDiveWorkflow({ agents: ['code_reviewer'] })).toThrow(
      'agents: must name at least one auditor',
    );
    expect(() => new SecurityDeepDiveWorkflow({ agentTimeoutSeconds: 0 })).toThrow(
      'agentTimeoutSeconds: must be a number of seconds > 0 (got 0)',
    );
    expect(
      () =>
        new SecurityDeepDiveWorkflow({
          compliance: { checks: [{ id: 'x', name: 'X', kind: 'forbid-rules', rules: [] }] },
        }),
    ).toThrow('compliance.checks.0.rules: must list at least one rule');
  });

  it('runs only the auditors asked for', () => {
    const workflow = new SecurityDeepDiveWorkflow({
      agents: ['security_auditor__compliance', 'vulnerabilities'],
    });
    expect(workflow.team.auditors.map((agent) => agent.id)).toEqual([
      'security_auditor__vulnerabilities',
      'security_auditor__compliance',
    ]);
    expect(workflow.team.reviewer).toBeUndefined();
  });

  it('rejects a path that is not a directory', async () => {
    await expect(
      new SecurityDeepDiveWorkflow().execute({ path: `${PLANTED}/package.json` }),
    ).rejects.toThrow(/^path: is not a directory/);
  });
});

describe('the security deep dive as a durable run of the project', () => {
  afterAll(removeTemporaryDirectories);

  const statuses = (data: ReturnType<SecurityDeepDiveReport['toJSON']>) =>
    data.findings.map((finding) => [finding.id, finding.status, finding.confirmations]);
  /** The statuses of the planted run with every auditor answering (see the tests above). */
  const DECIDED = [
    ['A-1', 'confirmed', 3],
    ['A-2', 'confirmed', 2],
    ['A-3', 'confirmed', 3],
    ['A-4', 'confirmed', 3],
    ['A-5', 'confirmed', 3],
    ['A-6', 'disputed', 1],
  ];

  it('cancelled in the debate, it resumes without asking the auditors for their audits again', async () => {
    const project = await copyFixture('security-planted');
    const storageDir = await temporaryDirectory();
    const controller = new AbortController();
    const scripted = scriptedSecurityExecutor();
    const first: AgentExecutor<Agent> = async (agent, context, run) => {
      if (context.phase === 'debate') {
        controller.abort(new AbortedError('interrupted'));
        throw run.signal.reason;
      }
      return scripted(agent, context, run);
    };
    const store = new ConfigurationStore({ storageDir });
    await expect(
      new SecurityDeepDiveWorkflow({ executor: first, auditFile: AUDIT, store }).execute({
        path: project,
        signal: controller.signal,
      }),
    ).rejects.toThrow('interrupted');
    const runtime = new Runtime({ dir: path.join(project, '.baton') });
    const [stopped] = (await runtime.store.list()).runs;
    expect(stopped).toMatchObject({ status: 'cancelled', resumable: true });
    expect(stopped!.progress.done).toBe(3);
    expect(await store.getBestForTask('security_deep_dive')).toBeUndefined();

    const calls: ScriptedCall[] = [];
    const report = await new SecurityDeepDiveWorkflow({
      executor: scriptedSecurityExecutor({ calls }),
      auditFile: AUDIT,
      store,
    }).resume(stopped!.id, { path: project });
    expect(calls.map((call) => [call.phase, call.agentId])).toEqual([
      ['debate', 'security_auditor__vulnerabilities'],
      ['debate', 'security_auditor__threat_modeling'],
      ['debate', 'security_auditor__compliance'],
      ['synthesis', 'code_reviewer__synthesizer'],
    ]);
    const data = report.toJSON();
    expect(data).toMatchObject({ runId: stopped!.id, runStatus: 'succeeded' });
    expect(statuses(data)).toEqual(DECIDED);
    // The audits of the first start count: every agent run of the whole run is reported.
    expect(data.agentRuns.map((run) => run.phase)).toEqual([
      'audit',
      'audit',
      'audit',
      'debate',
      'debate',
      'debate',
      'synthesis',
    ]);
    expect(data.plan.status).toBe('generated');
    expect(data.composition).toMatchObject({
      id: expect.stringMatching(/^security_deep_dive-debate-[0-9a-f]{10}$/),
      taskPattern: 'security_deep_dive',
      reused: false,
      previousUsageCount: 0,
      recordedQualityScore: 33.33,
    });
    expect(await store.getBestForTask('security_deep_dive')).toMatchObject({
      strategy: 'debate',
      usageCount: 1,
      successCount: 0,
    });
    expect((await runtime.store.show(stopped!.id)).status).toBe('succeeded');
    expect(JSON.stringify(data)).not.toContain(PLANTED_KEY);
  });

  it('stopped by its budget after the audits, it names who is missing, records nothing, and a resume finishes it', async () => {
    const project = await copyFixture('security-planted');
    const store = new ConfigurationStore({ storageDir: await temporaryDirectory() });
    const calls: ScriptedCall[] = [];
    const options = { executor: scriptedSecurityExecutor({ calls }), auditFile: AUDIT, store };
    const stopped = await new SecurityDeepDiveWorkflow({
      ...options,
      budget: { maxAgents: 3 },
    }).execute({ path: project });
    const data = stopped.toJSON();
    expect(data.runStatus).toBe('budget-exceeded');
    expect(calls.map((call) => call.phase)).toEqual(['audit', 'audit', 'audit']);
    const notRun = (agentId: string) =>
      `Agent "${agentId}" not run: the budget stopped the run (3 agent run(s) started or running, the limit is 3)`;
    expect(data.auditors.missing).toEqual([
      {
        agentId: 'security_auditor__vulnerabilities',
        phase: 'debate',
        reason: notRun('security_auditor__vulnerabilities'),
      },
      {
        agentId: 'security_auditor__threat_modeling',
        phase: 'debate',
        reason: notRun('security_auditor__threat_modeling'),
      },
      {
        agentId: 'security_auditor__compliance',
        phase: 'debate',
        reason: notRun('security_auditor__compliance'),
      },
      {
        agentId: 'code_reviewer__synthesizer',
        phase: 'synthesis',
        reason: notRun('code_reviewer__synthesizer'),
      },
    ]);
    expect(data.warnings).toContain(
      `The budget stopped the run before every agent ran (3 agent run(s) started or running, the limit is 3); resume run ${data.runId} with more budget to finish it`,
    );
    expect(data.plan.status).toBe('not-generated');
    expect(data.composition).toBeNull();
    expect(await store.getBestForTask('security_deep_dive')).toBeUndefined();
    // The measured figures do not depend on the budget.
    expect(data.gates[0]).toMatchObject({ name: 'Critical Findings', actual: 4, passed: false });

    calls.length = 0;
    const finished = await new SecurityDeepDiveWorkflow({
      ...options,
      budget: { maxAgents: 7 },
    }).resume(data.runId!, { path: project });
    expect(calls.map((call) => call.phase)).toEqual(['debate', 'debate', 'debate', 'synthesis']);
    const done = finished.toJSON();
    expect(done).toMatchObject({ runId: data.runId, runStatus: 'succeeded' });
    expect(statuses(done)).toEqual(DECIDED);
    expect(done.auditors.missing).toEqual([]);
    expect(done.usage).toMatchObject({ calls: 7, reported: 7, costUsd: 0.007 });
    expect(await store.getBestForTask('security_deep_dive')).toMatchObject({ usageCount: 1 });
  });

  it('will not resume without an executor or a run of another workflow', async () => {
    await expect(new SecurityDeepDiveWorkflow().resume('20260101-000000-abcdef')).rejects.toThrow(
      'executor: is needed to resume a deep dive',
    );
    const project = await copyFixture('security-clean');
    // A boost with a writer is kept as a run of the project.
    const boost = await new TestCoverageBoostWorkflow({
      projectRoot: project,
      savePatterns: false,
      testWriter: async () => ({ output: { files: [] } }),
    }).execute();
    await expect(
      new SecurityDeepDiveWorkflow({ executor: scriptedSecurityExecutor() }).resume(boost.runId, {
        path: project,
      }),
    ).rejects.toThrow(`runId: run ${boost.runId} is not a security deep dive`);
  });
});
