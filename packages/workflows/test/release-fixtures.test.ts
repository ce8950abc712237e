import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exitCodeFor,
  formatSarif,
  OrchestratedReleasePrepWorkflow,
  ReleaseReadinessReport,
  releaseReadinessReportSchema,
} from '../src/index.js';
import {
  copyFixture,
  fixturePath,
  removeTemporaryDirectories,
  temporaryDirectory,
} from './helpers.js';

afterAll(removeTemporaryDirectories);

const clock = () => new Date('2026-01-10T14:32:15.000Z');

function gateFigures(report: ReleaseReadinessReport) {
  return report.qualityGates.map(({ name, actual, threshold, passed, critical }) => ({
    name,
    actual,
    threshold,
    passed,
    critical,
  }));
}

describe('release-blocked fixture (planted secrets, advisory, shell call, gaps)', () => {
  const run = () =>
    new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
      clock,
    }).execute({ path: fixturePath('release-blocked') });

  it('measures every gate exactly and blocks the release', async () => {
    const report = await run();
    expect(gateFigures(report)).toEqual([
      { name: 'Security', actual: 3, threshold: 0, passed: false, critical: true },
      { name: 'Test Coverage', actual: 79.62, threshold: 80, passed: false, critical: true },
      { name: 'Code Quality', actual: 10, threshold: 7, passed: true, critical: true },
      { name: 'Documentation', actual: 50, threshold: 100, passed: false, critical: false },
    ]);
    expect(report.approved).toBe(false);
    expect(report.confidence).toBe('low');
    expect(exitCodeFor(report)).toBe(1);
    expect(report.blockers).toHaveLength(2);
    expect(report.blockers[0]).toMatch(/^Security: 3 critical, 1 high, 0 medium, 0 low findings/);
    expect(report.blockers[0]).toContain(
      'at most 0 critical allowed. Critical: dependency/GHSA-xvch-5gv4-984h at package.json:1, secret/private-key at src/publish.js:3, secret/github-token at src/publish.js:7',
    );
    expect(report.blockers[1]).toBe(
      'Test Coverage: Line coverage 79.62% (43/54 lines, 4 files, 1 report); at least 80% required. Least covered: src/math.js (75%), src/files.js (77.77%), src/publish.js (85.71%)',
    );
    expect(report.warnings).toEqual([
      'Documentation: 50% of the public API documented (3/6 symbols); at least 100% required. Undocumented: multiply (src/math.js:19), divide (src/math.js:23), publish (src/publish.js:9)',
      // In place, the repository's Biome applies, and its configuration ignores test fixtures.
      'Code Quality: Lint not measured: biome checked no files: its configuration ignores them',
    ]);
    expect(report.timestamp).toBe('2026-01-10T14:32:15.000Z');
    expect(report.agentResults.map((result) => [result.agentId, result.success])).toEqual([
      ['security_auditor', true],
      ['test_coverage_analyzer', true],
      ['code_reviewer', true],
      ['documentation_writer', true],
    ]);
  });

  it('keeps the detailed evidence: findings by rule and line, uncovered ranges, undocumented symbols', async () => {
    const { evidence } = await run();
    const security = evidence.security!.measured;
    expect(
      security.findings.map((finding) => [
        finding.severity,
        finding.ruleId,
        finding.file,
        finding.line,
      ]),
    ).toEqual([
      ['critical', 'dependency/GHSA-xvch-5gv4-984h', 'package.json', 1],
      ['critical', 'secret/private-key', 'src/publish.js', 3],
      ['critical', 'secret/github-token', 'src/publish.js', 7],
      ['high', 'js/shell-command-from-string', 'src/files.js', 8],
    ]);
    const coverage = evidence.coverage!.measured;
    expect(coverage.status).toBe('measured');
    if (coverage.status === 'measured') {
      expect(
        coverage.leastCovered.map((file) => [file.path, file.percent, file.uncoveredLines]),
      ).toEqual([
        ['src/math.js', 75, '20-21, 24-28'],
        ['src/files.js', 77.77, '8-9'],
        ['src/publish.js', 85.71, '11-12'],
      ]);
    }
    const documentation = evidence.documentation!.measured;
    expect(
      documentation.status === 'measured' && documentation.undocumented.map((s) => s.name),
    ).toEqual(['multiply', 'divide', 'publish']);
  });

  it('writes a JSON document that validates, with every gate figure and no secret value', async () => {
    const report = await run();
    const text = JSON.stringify(report);
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'schemaVersion',
      'approved',
      'confidence',
      'path',
      'timestamp',
      'totalDuration',
      'thresholds',
      'qualityGates',
      'blockers',
      'warnings',
      'summary',
      'composition',
      'agentResults',
      'runId',
    ]);
    // The check ran as a durable run of the project (resumable with `baton runs resume`).
    expect(json.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{12}$/);
    const parsed = releaseReadinessReportSchema.parse(json);
    expect(parsed).toMatchObject({
      schemaVersion: 1,
      approved: false,
      confidence: 'low',
      path: fixturePath('release-blocked'),
      timestamp: '2026-01-10T14:32:15.000Z',
      thresholds: {
        min_coverage: 80,
        min_quality_score: 7,
        max_critical_issues: 0,
        min_doc_coverage: 100,
      },
      composition: null,
    });
    expect(parsed.qualityGates.map((gate) => [gate.key, gate.actual, gate.passed])).toEqual([
      ['max_critical_issues', 3, false],
      ['min_coverage', 79.62, false],
      ['min_quality_score', 10, true],
      ['min_doc_coverage', 50, false],
    ]);
    expect(parsed.agentResults.map((result) => (result.output as { check: string }).check)).toEqual(
      ['security', 'coverage', 'quality', 'documentation'],
    );
    expect(parsed.totalDuration).toBeGreaterThan(0);
    expect(text).not.toContain('FAKEtokenForBatonTests');
    expect(text).not.toContain('FAKE-KEY-PLANTED');
    expect(text).toContain('ghp_****');
    // The document reads back into an equal report.
    expect(ReleaseReadinessReport.fromJSON(json).formatConsoleOutput()).toBe(
      report.formatConsoleOutput(),
    );
  });

  it('prints the console report with every gate, blockers, warnings, agents and top findings', async () => {
    const output = (await run()).formatConsoleOutput();
    const lines = output.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '='.repeat(70),
      'RELEASE READINESS REPORT',
      '='.repeat(70),
      '',
      'Status: ❌ NOT READY',
      'Confidence: LOW',
      'Generated: 2026-01-10T14:32:15.000Z',
      lines[7],
      `Path: ${fixturePath('release-blocked')}`,
    ]);
    expect(lines[7]).toMatch(/^Duration: \d+\.\d\ds$/);
    for (const line of [
      '❌ Security: FAIL (actual: 3, threshold: 0)',
      '❌ Test Coverage: FAIL (actual: 79.62, threshold: 80)',
      '✅ Code Quality: PASS (actual: 10, threshold: 7)',
      '⚠️  Documentation: below threshold (actual: 50, threshold: 100)',
      'BLOCKERS (2)',
      'WARNINGS (2)',
      'AGENTS EXECUTED (4)',
      'Least-covered files (3):',
      '  src/math.js: 75% of lines covered (21/28); uncovered lines 20-21, 24-28',
      '  critical secret/github-token src/publish.js:7 — GitHub token',
      '  high     js/shell-command-from-string src/files.js:8 — shell command built from strings (child_process exec)',
      '  src/math.js:19 — function multiply is exported by fixture-release-blocked without a doc comment',
    ]) {
      expect(lines).toContain(line);
    }
    expect(lines.filter((line) => /^✅ \w+: \d+\.\d\ds$/.test(line))).toHaveLength(4);
    expect(output).not.toContain('FAKEtokenForBatonTests');
  });

  it('reports a SARIF result for each finding with its rule and line', async () => {
    const sarif = formatSarif(await run());
    const results = sarif.runs[0]!.results.map((result) => [
      result.ruleId,
      result.level,
      result.locations[0]!.physicalLocation.artifactLocation.uri,
      result.locations[0]!.physicalLocation.region.startLine,
    ]);
    expect(results).toEqual([
      ['dependency/GHSA-xvch-5gv4-984h', 'error', 'package.json', 1],
      ['secret/private-key', 'error', 'src/publish.js', 3],
      ['secret/github-token', 'error', 'src/publish.js', 7],
      ['js/shell-command-from-string', 'error', 'src/files.js', 8],
      ['coverage/uncovered-lines', 'warning', 'src/math.js', 20],
      ['coverage/uncovered-lines', 'warning', 'src/files.js', 8],
      ['coverage/uncovered-lines', 'warning', 'src/publish.js', 11],
      ['docs/undocumented-export', 'warning', 'src/math.js', 19],
      ['docs/undocumented-export', 'warning', 'src/math.js', 23],
      ['docs/undocumented-export', 'warning', 'src/publish.js', 9],
    ]);
  });
});

describe('release-ready fixture', () => {
  it('passes every gate with confidence high when everything is measured, coverage from a fresh test run', async () => {
    const root = await copyFixture('release-ready', { withBiome: true, withoutCoverage: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
      runTests: true,
      testTimeoutSeconds: 60,
    }).execute({ path: root });
    expect(gateFigures(report)).toEqual([
      { name: 'Security', actual: 0, threshold: 0, passed: true, critical: true },
      { name: 'Test Coverage', actual: 100, threshold: 80, passed: true, critical: true },
      { name: 'Code Quality', actual: 10, threshold: 7, passed: true, critical: true },
      { name: 'Documentation', actual: 100, threshold: 100, passed: true, critical: false },
    ]);
    expect(report.blockers).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('high');
    expect(exitCodeFor(report)).toBe(0);
    const coverage = report.evidence.coverage!.measured;
    expect(coverage.testRun).toMatchObject({ passed: true, exitCode: 0 });
    expect(coverage.status === 'measured' && coverage.linesCovered).toBe(23);
    const quality = report.evidence.quality!.measured;
    expect(quality.lint.status).toBe('measured');
    expect(report.formatConsoleOutput()).toContain('Status: ✅ READY FOR RELEASE');
    expect(report.summary).toBe('Ready for release: 4 of 4 gates passed.');
  }, 60_000);

  it('reads the committed coverage report; lint not installed is a warning (medium)', async () => {
    // A copy outside the repository, where no Biome is installed.
    const root = await copyFixture('release-ready');
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
    }).execute({ path: root });
    expect(report.qualityGates.map((gate) => gate.actual)).toEqual([0, 100, 10, 100]);
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('medium');
    expect(report.warnings).toEqual([
      'Code Quality: Lint not measured: Biome is configured but not installed (node_modules/.bin/biome)',
    ]);
  });

  it('approves a clean project without a linter with confidence high; the Code Quality gate notes that no linter ran', async () => {
    const root = await copyFixture('release-ready');
    await rm(path.join(root, 'biome.json'));
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
    }).execute({ path: root });
    expect(gateFigures(report).map((gate) => [gate.name, gate.actual, gate.passed])).toEqual([
      ['Security', 0, true],
      ['Test Coverage', 100, true],
      ['Code Quality', 10, true],
      ['Documentation', 100, true],
    ]);
    expect(report.warnings).toEqual([]);
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('high');
    const note =
      'No linter ran: no linter configured. Configure ESLint (eslint.config.js), Biome (biome.json) or ruff (ruff.toml, or [tool.ruff] in pyproject.toml) and install it to count lint errors and warnings in the score';
    const gate = report.qualityGates.find((item) => item.name === 'Code Quality')!;
    expect(gate.message).toBe(
      `Quality score 10/10 (2 files, 4 functions, 0 complex, 0% duplicated, lint not measured); at least 7/10 required. Note: ${note}`,
    );
    expect(report.summary).toBe(`Ready for release: 4 of 4 gates passed. Code Quality: ${note}.`);
    expect(report.formatConsoleOutput()).toContain(note);
  });

  it('fails the coverage gate with actual null, where it looked and how to fix it, when there is no report', async () => {
    const root = await copyFixture('release-ready', { withBiome: true, withoutCoverage: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
    }).execute({ path: root });
    const gate = report.qualityGates.find((item) => item.name === 'Test Coverage')!;
    expect(gate.actual).toBeNull();
    expect(gate.passed).toBe(false);
    expect(gate.message).toMatch(
      /^not measured: Coverage unknown: no coverage report found\. Looked in coverage\/coverage-final\.json, coverage\/lcov\.info/,
    );
    expect(gate.message).toContain('--coverage-file');
    expect(gate.message).toContain('--run-tests');
    expect(report.blockers).toEqual([`Test Coverage: ${gate.message}`]);
    expect(report.approved).toBe(false);
    expect(report.confidence).toBe('low');
    expect(report.formatConsoleOutput()).toContain(
      '❌ Test Coverage: FAIL (actual: unknown, threshold: 80)',
    );
  });

  it('still counts what was measured when the advisory service is unreachable, and warns with the reason', async () => {
    const root = await copyFixture('release-ready', { withBiome: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: path.join(fixturePath('audit'), 'npm-405-error.json'),
    }).execute({ path: root });
    const gate = report.qualityGates[0]!;
    expect(gate).toMatchObject({ name: 'Security', actual: 0, passed: true });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(
      /^Security: Dependency advisories unavailable: the advisory service answered HTTP 405/,
    );
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('medium');
  });

  it('warns that advisories were not checked when no audit was requested', async () => {
    const root = await copyFixture('release-ready', { withBiome: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      store: false,
      runtime: false,
    }).execute({
      path: root,
    });
    expect(report.warnings).toEqual([
      'Security: Dependency advisories not checked: dependency audit not requested (use runAudit or auditFile)',
    ]);
    expect(report.confidence).toBe('medium');
  });
});

describe('docs-gap fixture', () => {
  it('approves with confidence medium when only the documentation gate fails', async () => {
    const root = await copyFixture('docs-gap', { withBiome: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
    }).execute({ path: root });
    expect(gateFigures(report)).toEqual([
      { name: 'Security', actual: 0, threshold: 0, passed: true, critical: true },
      { name: 'Test Coverage', actual: 100, threshold: 80, passed: true, critical: true },
      { name: 'Code Quality', actual: 10, threshold: 7, passed: true, critical: true },
      { name: 'Documentation', actual: 66.66, threshold: 100, passed: false, critical: false },
    ]);
    expect(report.blockers).toEqual([]);
    expect(report.warnings).toEqual([
      'Documentation: 66.66% of the public API documented (2/3 symbols); at least 100% required. Undocumented: wordCount (src/text.js:24)',
    ]);
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('medium');
    expect(exitCodeFor(report)).toBe(0);
    expect(report.formatConsoleOutput()).toContain(
      '⚠️  Documentation: below threshold (actual: 66.66, threshold: 100)',
    );
  });

  it('approves with confidence high once the documentation threshold is lowered to the measured figure', async () => {
    const root = await copyFixture('docs-gap', { withBiome: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
      qualityGates: { minDocCoverage: 66.66 },
    }).execute({ path: root });
    expect(report.qualityGates.every((gate) => gate.passed)).toBe(true);
    expect(report.confidence).toBe('high');
  });
});

describe('figures that cannot be measured', () => {
  it('reports null, never 0, with the reason for each gate of a project without sources', async () => {
    const root = await temporaryDirectory();
    await writeFile(path.join(root, 'README.md'), '# Nothing to release yet\n');
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      runLint: false,
    }).execute({
      path: root,
    });
    expect(report.qualityGates.map((gate) => [gate.name, gate.actual, gate.passed])).toEqual([
      ['Security', 0, true],
      ['Test Coverage', null, false],
      ['Code Quality', null, false],
      ['Documentation', null, false],
    ]);
    const messages = report.qualityGates.map((gate) => gate.message);
    expect(messages[2]).toBe(
      'not measured: code quality could not be measured: no JavaScript, TypeScript or Python source files outside tests',
    );
    expect(messages[3]).toMatch(
      /^not measured: documentation coverage could not be measured: no public API found/,
    );
    expect(report.blockers.map((blocker) => blocker.split(':')[0])).toEqual([
      'Test Coverage',
      'Code Quality',
    ]);
    expect(report.warnings[0]).toMatch(/^Documentation: not measured: /);
    expect(report.formatConsoleOutput()).toContain(
      '❌ Code Quality: FAIL (actual: unknown, threshold: 7)',
    );
  });

  it('fails the documentation gate with null when the package exports nothing it can find', async () => {
    const root = await copyFixture('release-ready', { withBiome: true });
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    manifest.exports = './dist/missing.js';
    await writeFile(path.join(root, 'package.json'), JSON.stringify(manifest));
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      auditFile: 'audit/npm-audit.json',
    }).execute({ path: root });
    const gate = report.qualityGates.find((item) => item.name === 'Documentation')!;
    expect(gate.actual).toBeNull();
    expect(gate.passed).toBe(false);
    expect(report.approved).toBe(true);
    expect(report.confidence).toBe('medium');
  });
});

describe('a monorepo with a package that has no coverage report', () => {
  it('warns that the coverage figure leaves that package out', async () => {
    const root = await temporaryDirectory();
    await writeFile(
      path.join(root, 'package.json'),
      JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }),
    );
    await cp(fixturePath('release-ready'), path.join(root, 'packages', 'ready'), {
      recursive: true,
    });
    await cp(fixturePath('docs-gap'), path.join(root, 'packages', 'gap'), { recursive: true });
    await rm(path.join(root, 'packages', 'gap', 'coverage'), { recursive: true });
    const report = await new OrchestratedReleasePrepWorkflow({
      runtime: false,
      store: false,
      runLint: false,
      agentIds: ['test_coverage_analyzer'],
    }).execute({ path: root });
    expect(report.qualityGates[0]).toMatchObject({
      name: 'Test Coverage',
      actual: 100,
      passed: true,
    });
    expect(report.warnings).toContain(
      'Test Coverage: No coverage report covers 1 workspace package(s) with source files (packages/gap); the figure is for the others only',
    );
  });
});
