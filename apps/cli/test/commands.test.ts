import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baton } from './helpers.js';

const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

describe('baton (no command)', () => {
  it('prints help and exits 2 without a command, 0 with --help', async () => {
    const bare = await baton([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('Usage: baton <command>');
    expect((await baton(['--help'])).code).toBe(0);
  });

  it('rejects an unknown command with one line and exit 2', async () => {
    const result = await baton(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('baton: unknown command "frobnicate" (run `baton --help`)\n');
  });
});

describe('baton plan', () => {
  it('shows the reference analysis for a release task', async () => {
    const result = await baton(['plan', 'prepare for v3.12.0 release']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Analysis: complex general task, parallelizable');
    expect(result.stdout).toContain('Strategy: parallel');
    expect(result.stdout).toMatch(/Estimated cost: 3 units, about \$\d+\.\d{4}/);
  });

  it('--json writes exactly one JSON document with the plan', async () => {
    const result = await baton(['plan', 'update API documentation', '--json']);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.plan.strategy).toBe('teaching');
    expect(document.plan.agents.map((agent: { tier: string }) => agent.tier)).toEqual([
      'CHEAP',
      'CAPABLE',
    ]);
    expect(document.plan.estimatedDuration).toBe(450);
    expect(result.stderr).toBe('');
  });

  it('passes --context quality gates through', async () => {
    const result = await baton([
      'plan',
      'boost test coverage to 90%',
      '--json',
      '--context',
      '{"qualityGates":{"min_coverage":90}}',
    ]);
    expect(JSON.parse(result.stdout).plan.qualityGates).toEqual({ min_coverage: 90 });
  });

  it.each([
    [['plan'], 'baton: plan needs a task'],
    [['plan', '   '], 'baton: plan needs a task'],
    [['plan', 'x', '--context', '{nope'], 'baton: --context is not valid JSON'],
    [['plan', 'x', '--context', '[1]'], 'baton: --context must be a JSON object'],
    [['plan', 'x', '--bogus'], "baton: Unknown option '--bogus'"],
  ])('bad usage %j exits 2 with a one-line reason', async (argv, message) => {
    const result = await baton(argv);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('baton templates', () => {
  it('lists the seven built-in templates', async () => {
    const result = await baton(['templates', 'list', '--json']);
    const ids = JSON.parse(result.stdout).map((template: { id: string }) => template.id);
    expect(ids).toEqual([
      'test_coverage_analyzer',
      'security_auditor',
      'code_reviewer',
      'documentation_writer',
      'performance_optimizer',
      'architecture_analyst',
      'refactoring_specialist',
    ]);
  });

  it('shows one template and rejects an unknown id', async () => {
    const shown = await baton(['templates', 'show', 'security_auditor']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('security_auditor — Security Auditor');
    expect(shown.stdout).toContain('tier:          PREMIUM');
    const unknown = await baton(['templates', 'show', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown template "nope"');
  });
});

describe('baton compositions', () => {
  it('says so when nothing is recorded, and rejects unknown ids and unsafe ids', async () => {
    const listed = await baton(['compositions', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('No compositions recorded yet');
    const missing = await baton(['compositions', 'show', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no composition "nope"');
    const traversal = await baton(['compositions', 'delete', '../etc']);
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toMatch(/^baton: id: /);
  });
});

describe('the built CLI', () => {
  it('runs as an executable and prints its version', () => {
    const result = spawnSync(process.execPath, [cliPath, '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('flag parsing', () => {
  it('checks a negative number given to a flag instead of calling it ambiguous', async () => {
    const result = await baton(['orchestrate', 'release-prep', '--max-critical', '-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('baton: --max-critical must be an integer >= 0, got "-1"\n');
  });

  it('names an unknown option in one short line', async () => {
    const result = await baton(['templates', 'list', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("baton: Unknown option '--bogus'\n");
  });
});
