import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSeededRandom } from '@baton/config-store';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { batonRun, scriptedExecutors } from './run-helpers.js';

/**
 * Generated command lines (seeded, so a failure replays): whatever a person types, Baton answers
 * with exit 0, 1 or 2 and a sentence, never a stack trace; bad usage is one line on stderr.
 *
 * Left out, because they would wait or leave this machine: `serve` (listens until stopped),
 * `runs logs --follow` (follows until the run ends), `--run-tests` (runs the project's tests),
 * the model-backed `--judge` and `--decompose`, and npm audit and model reviews in the
 * workflows (`--no-audit --no-model` are added to `orchestrate`).
 */

// FUZZ_SEED and FUZZ_CASES explore further (`FUZZ_SEED=7 FUZZ_CASES=2000 pnpm vitest run
// test/argv-fuzz.test.ts`); the test suite runs the fixed seed.
const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);

const WEIRD_VALUES = [
  '',
  ' ',
  '-1',
  '0',
  '1',
  '2.5',
  '0x10',
  '1e999',
  'NaN',
  'Infinity',
  '١٢',
  '../../etc/passwd',
  '/dev/null',
  '.',
  'missing/folder/file.json',
  '{}',
  '[]',
  '{"a":',
  '{"capabilities":["generate_docs"]}',
  `${'['.repeat(40)}${']'.repeat(40)}`,
  'x'.repeat(5000),
  '\u001b]0;title\u0007',
  'jsonl',
  'json',
  'sarif',
  'markdown',
  'claude',
  'claude,codex',
  'pending',
  'succeeded',
  'documentation_writer',
  'security_auditor,code_reviewer',
  '--json',
];

const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['run'],
  ['run', 'update API documentation'],
  ['run', 'review the code for security issues'],
  ['plan'],
  ['plan', 'boost test coverage to 90%'],
  ['runs'],
  ['runs', 'list'],
  ['runs', 'show'],
  ['runs', 'logs'],
  ['runs', 'resume'],
  ['runs', 'cancel'],
  ['runs', 'rate'],
  ['runs', 'frob'],
  ['decisions'],
  ['decisions', 'list'],
  ['decisions', 'approve'],
  ['decisions', 'reject'],
  ['compositions'],
  ['compositions', 'list'],
  ['compositions', 'show'],
  ['compositions', 'delete'],
  ['templates'],
  ['templates', 'list'],
  ['templates', 'show'],
  ['orchestrate'],
  ['orchestrate', 'release-prep'],
  ['orchestrate', 'test-coverage'],
  ['orchestrate', 'security-deep-dive'],
  ['orchestrate', 'nope'],
  ['nope'],
  ['--help'],
  ['--version'],
  [],
];

/** Each command's own flags, drawn more often than the rest so that cases get past parsing. */
const OWN_FLAGS: Readonly<Record<string, readonly string[]>> = {
  run: [
    '--json',
    '--path',
    '--context',
    '--max-cost-usd',
    '--max-tokens',
    '--max-agents',
    '--concurrency',
    '--seed',
    '--events',
    '--events-file',
    '--agent-cli',
    '--composition',
    '--fresh',
    '--dry-run',
    '--no-escalate',
    '--no-prompt',
    '--verbose',
    '--worktree',
    '--validate',
  ],
  plan: ['--json', '--path', '--context', '--graph'],
  runs: [
    '--json',
    '--path',
    '--status',
    '--limit',
    '--note',
    '--score',
    '--max-cost-usd',
    '--max-tokens',
    '--max-agents',
    '--concurrency',
    '--events',
    '--events-file',
    '--no-prompt',
    '--verbose',
  ],
  decisions: ['--json', '--path', '--status', '--run', '--note'],
  compositions: ['--json', '--path', '--task-pattern'],
  templates: ['--json'],
  'release-prep': [
    '--json',
    '--path',
    '--min-coverage',
    '--min-quality',
    '--max-critical',
    '--min-doc-coverage',
    '--agents',
    '--format',
    '--output',
    '--resume',
    '--audit-file',
    '--coverage-file',
    '--test-timeout',
    '--verbose',
  ],
  'test-coverage': [
    '--json',
    '--path',
    '--target',
    '--current-coverage',
    '--project-root',
    '--resume',
    '--test-timeout',
    '--agent-cli',
    '--verbose',
  ],
  'security-deep-dive': [
    '--json',
    '--path',
    '--agents',
    '--format',
    '--output',
    '--resume',
    '--audit-file',
    '--agent-timeout',
    '--agent-cli',
    '--verbose',
  ],
};

/** Every command's flags, and a few no command has. */
const FLAGS = [...new Set(Object.values(OWN_FLAGS).flat()), '--nope', '-x', '--'];

function generate(random: () => number, runIds: readonly string[]): string[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const argv = [...pick(COMMANDS)];
  const ids = [...runIds, 'run-nope', 'd-0123456789', 'nope', '../x'];
  if (
    argv.length === 2 &&
    random() < 0.6 &&
    ['runs', 'decisions', 'compositions', 'templates'].includes(argv[0]!)
  ) {
    argv.push(pick(ids));
  }
  const own = OWN_FLAGS[argv[0] === 'orchestrate' ? (argv[1] ?? '') : (argv[0] ?? '')] ?? FLAGS;
  const flag = (): string => (random() < 0.8 ? pick(own) : pick(FLAGS));
  const extras = Math.floor(random() * 4);
  for (let index = 0; index < extras; index += 1) {
    const roll = random();
    if (roll < 0.55) {
      argv.push(flag());
      if (random() < 0.8) argv.push(pick(WEIRD_VALUES));
    } else if (roll < 0.8) {
      argv.push(pick(WEIRD_VALUES));
    } else {
      argv.push(`--${flag().replace(/^-+/, '')}=${pick(WEIRD_VALUES)}`);
    }
  }
  if (argv[0] === 'orchestrate') argv.push('--no-audit', '--no-model');
  if (argv[0] === 'run' && !argv.includes('--seed')) argv.push('--seed', '1');
  return argv;
}

/** A line of a JavaScript stack trace (`    at fn (file.js:1:2)`). */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('the CLI under generated command lines', () => {
  it(`answers ${CASES} seeded cases with exit 0, 1 or 2 and never a stack trace`, async () => {
    const project = tempDir('baton-fuzz-');
    writeFileSync(join(project, 'package.json'), '{"name":"fuzzed","version":"1.0.0"}\n');
    writeFileSync(join(project, 'README.md'), '# fuzzed\n');
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'index.js'), 'export const add = (a, b) => a + b;\n');
    const { factory } = scriptedExecutors();
    // Two real runs, so that generated ids sometimes name a run that exists.
    const runIds: string[] = [];
    for (const task of ['update API documentation', 'review the code for security issues']) {
      const result = await batonRun(['run', task, '--json', '--seed', '1'], {
        cwd: project,
        factory,
      });
      expect(result.code).toBe(0);
      runIds.push(JSON.parse(result.stdout).runId);
    }

    const random = createSeededRandom(SEED);
    const seen = new Map<number, number>();
    for (let index = 0; index < CASES; index += 1) {
      const argv = generate(random, runIds);
      const result = await batonRun(argv, { cwd: project, factory });
      const label = `case ${index}: baton ${JSON.stringify(argv)}\n${result.stderr.slice(0, 500)}`;
      seen.set(result.code, (seen.get(result.code) ?? 0) + 1);
      expect([0, 1, 2], label).toContain(result.code);
      expect(result.stdout, label).not.toMatch(STACK_LINE);
      expect(result.stderr, label).not.toMatch(STACK_LINE);
      if (argv.length === 0) {
        // No command: the usage text, and exit 2.
        expect(result.stdout, label).toContain('Usage: baton <command>');
      } else if (result.code === 2) {
        expect(result.stderr, label).toMatch(/^baton: /);
        expect(result.stderr.trim().split('\n'), label).toHaveLength(1);
      }
    }
    // The generator reaches all three outcomes, so the checks above are not vacuous.
    expect([...seen.keys()].sort()).toEqual([0, 1, 2]);
  }, 180_000);
});
