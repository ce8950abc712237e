import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baton, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const cliPath = join(here, '..', 'dist', 'cli.js');
const fixtures = join(here, '..', '..', '..', 'packages', 'workflows', 'test', 'fixtures');

/** A copy of a workflows fixture project outside any git work tree. */
function fixtureProject(name: string): string {
  const dir = join(tempDir('baton-orchestrate-'), name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

const gateFigures = (document: { qualityGates: { name: string; actual: number | null }[] }) =>
  document.qualityGates.map((gate) => [gate.name, gate.actual]);

describe('baton orchestrate release-prep', () => {
  it('blocks a project with planted problems: exit 1 and one JSON document with the measured gates', () => {
    const project = fixtureProject('release-blocked');
    const result = spawnSync(
      process.execPath,
      [
        cliPath,
        'orchestrate',
        'release-prep',
        '--path',
        project,
        '--audit-file',
        'audit/npm-audit.json',
        '--json',
      ],
      { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(result.status).toBe(1);
    const document = JSON.parse(result.stdout);
    expect(document.approved).toBe(false);
    expect(document.confidence).toBe('low');
    expect(gateFigures(document)).toEqual([
      ['Security', 3],
      ['Test Coverage', 79.62],
      ['Code Quality', 10],
      ['Documentation', 50],
    ]);
  });

  it('approves the same project when the flags lower the gates to the measured figures (exit 0)', async () => {
    const project = fixtureProject('release-blocked');
    const result = await baton(
      [
        'orchestrate',
        'release-prep',
        '--path',
        project,
        '--audit-file',
        join(project, 'audit', 'npm-audit.json'),
        '--max-critical',
        '3',
        '--min-coverage',
        '79.5',
        '--min-doc-coverage',
        '50',
        '--json',
      ],
      { cwd: project },
    );
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.approved).toBe(true);
    expect(document.qualityGates.map((gate: { threshold: number }) => gate.threshold)).toEqual([
      3, 79.5, 7, 50,
    ]);
  });

  it('reads gates from baton.config.json, with flags winning', async () => {
    const project = fixtureProject('release-blocked');
    const config = { releasePrep: { qualityGates: { min_coverage: 70, min_doc_coverage: 40 } } };
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(project, 'baton.config.json'), JSON.stringify(config));
    const result = await baton(
      ['orchestrate', 'release-prep', '--no-audit', '--min-doc-coverage', '60', '--json'],
      { cwd: project },
    );
    const document = JSON.parse(result.stdout);
    expect(document.qualityGates.map((gate: { threshold: number }) => gate.threshold)).toEqual([
      0, 70, 7, 60,
    ]);
  });

  it('rejects a coverage file named in baton.config.json that does not exist (exit 2, no report)', async () => {
    const project = fixtureProject('release-blocked');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(project, 'baton.config.json'),
      JSON.stringify({ releasePrep: { coverageFile: 'coverage/missing.json' } }),
    );
    const result = await baton(['orchestrate', 'release-prep', '--no-audit', '--json'], {
      cwd: project,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `baton: baton.config.json releasePrep.coverageFile: not a file (${join(project, 'coverage', 'missing.json')})\n`,
    );
  });

  it('refuses a text value for a gate in baton.config.json (numbers only), exit 2 naming it', async () => {
    const project = fixtureProject('release-blocked');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(project, 'baton.config.json'),
      JSON.stringify({ releasePrep: { qualityGates: { min_coverage: '80' } } }),
    );
    const result = await baton(['orchestrate', 'release-prep', '--no-audit', '--json'], {
      cwd: project,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^baton: baton\.config\.json releasePrep\.qualityGates\.min_coverage: .*expected number, received string\n$/,
    );
  });

  it('refuses --output into a folder that does not exist before it measures anything', async () => {
    const project = fixtureProject('release-blocked');
    const result = await baton(
      ['orchestrate', 'release-prep', '--no-audit', '--format', 'json', '--output', 'nope/r.json'],
      { cwd: project },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `baton: --output nope/r.json: the folder ${join(project, 'nope')} does not exist\n`,
    );
    expect(existsSync(join(project, 'nope'))).toBe(false);
    expect(existsSync(join(project, '.baton', 'runs'))).toBe(false);
  });

  it('writes SARIF 2.1.0 to a file with --format sarif --output', async () => {
    const project = fixtureProject('release-blocked');
    const result = await baton(
      ['orchestrate', 'release-prep', '--no-audit', '--format', 'sarif', '--output', 'baton.sarif'],
      { cwd: project },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('NOT READY: report written to baton.sarif');
    const sarif = JSON.parse(readFileSync(join(project, 'baton.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.name).toBe('baton');
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
  });

  it('writes SARIF URIs relative to the repository root when the project is a sub-directory', async () => {
    const repository = tempDir('baton-orchestrate-repo-');
    const project = join(repository, 'packages', 'app');
    cpSync(join(fixtures, 'release-blocked'), project, { recursive: true });
    expect(spawnSync('git', ['init', '-q'], { cwd: repository }).status).toBe(0);
    const result = await baton(
      ['orchestrate', 'release-prep', '--path', 'packages/app', '--no-audit', '--format', 'sarif'],
      { cwd: repository },
    );
    expect(result.code).toBe(1);
    const [run] = JSON.parse(result.stdout).runs;
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${repository}/`);
    const uris: string[] = run.results.map(
      (item: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        item.locations[0]!.physicalLocation.artifactLocation.uri,
    );
    expect(uris).toContain('packages/app/src/publish.js');
    expect(uris.every((uri) => uri.startsWith('packages/app/'))).toBe(true);
  });

  it('writes a Markdown report for a pull-request comment', async () => {
    const project = fixtureProject('release-blocked');
    const result = await baton(
      ['orchestrate', 'release-prep', '--no-audit', '--format', 'markdown'],
      { cwd: project },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Test Coverage/);
    expect(result.stdout).toMatch(/\|/);
  });

  it.each([
    [
      ['orchestrate'],
      'baton: orchestrate needs a workflow: release-prep, test-coverage or security-deep-dive',
    ],
    [
      ['orchestrate', 'deploy'],
      'baton: unknown workflow "deploy" (available: release-prep, test-coverage, security-deep-dive)',
    ],
    [
      ['orchestrate', 'release-prep', '--min-coverage', '101'],
      'baton: --min-coverage must be a number from 0 to 100, got "101"',
    ],
    [
      ['orchestrate', 'release-prep', '--max-critical', '1.5'],
      'baton: --max-critical must be an integer >= 0, got "1.5"',
    ],
    [
      ['orchestrate', 'release-prep', '--format', 'xml'],
      'baton: --format must be one of console, json, markdown, sarif, got "xml"',
    ],
    [
      ['orchestrate', 'release-prep', '--path', '/nonexistent/dir'],
      'baton: --path /nonexistent/dir: not a directory',
    ],
    [['orchestrate', 'release-prep', '--agents', 'nope'], 'baton: agentIds: '],
    [
      ['orchestrate', 'release-prep', '--coverage-file', 'coverage/typo.json'],
      'baton: --coverage-file: not a file (',
    ],
    [
      ['orchestrate', 'release-prep', '--audit-file', 'audit/typo.json'],
      'baton: --audit-file: not a file (',
    ],
  ])('bad usage %j exits 2 with one line', async (argv, message) => {
    const result = await baton(argv, { cwd: fixtureProject('release-blocked') });
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
