/**
 * Start-up: each command is imported when it runs, so commands that need neither the AI SDK nor
 * the source parser start without loading them. Checked on the built CLI (`dist/cli.js`), the
 * way users run it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../src/cli.js';
import { baton } from './helpers.js';

const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const project = mkdtempSync(join(tmpdir(), 'baton-startup-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

// Reports every package the process resolves (not relative files, not Node's own modules).
const LOADED = 'baton-test-loaded:';
const hook = `
import { registerHooks } from 'node:module';
const builtins = new Set(${JSON.stringify(builtinModules)});
registerHooks({
  resolve(specifier, context, next) {
    const bare = !/^(\\.|\\/|node:|file:|data:)/.test(specifier) && !builtins.has(specifier);
    if (bare) process.stderr.write('${LOADED}' + specifier + '\\n');
    return next(specifier, context);
  },
});`;

/** The third-party packages the built CLI loads for `argv`. */
function packagesLoaded(argv: string[]): string[] {
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, cliPath, ...argv],
    { encoding: 'utf8', cwd: project },
  );
  expect(result.status, result.stderr).toBe(0);
  const loaded = result.stderr
    .split('\n')
    .filter((line) => line.startsWith(LOADED))
    .map((line) => line.slice(LOADED.length).replace(/^(@[^/]+\/[^/]+|[^@/][^/]*).*$/, '$1'));
  return [...new Set(loaded)].sort();
}

const HEAVY = [
  '@ai-sdk/anthropic',
  '@ai-sdk/openai',
  '@ai-sdk/openai-compatible',
  'ai',
  'oxc-parser',
];

describe('lazy commands', () => {
  it('every command in the table loads, under its own name, with usage text', async () => {
    expect(commands.map((command) => command.name)).toEqual([
      'orchestrate',
      'plan',
      'run',
      'runs',
      'decisions',
      'templates',
      'compositions',
    ]);
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.usage).toContain(`baton ${entry.name}`);
      expect(entry.summary.length).toBeGreaterThan(10);
    }
    const help = await baton(['--help']);
    for (const entry of commands) expect(help.stdout).toContain(`  ${entry.name}`);
  });

  it('`baton --help` loads no package at all', () => {
    expect(packagesLoaded(['--help'])).toEqual([]);
  });

  it('`baton plan` and `baton templates list` load neither the AI SDK nor the source parser', () => {
    for (const argv of [
      ['plan', 'review the API'],
      ['templates', 'list'],
      ['runs', 'list'],
    ]) {
      const loaded = packagesLoaded(argv);
      expect(loaded, argv.join(' ')).toContain('zod');
      expect(
        loaded.filter((name) => HEAVY.includes(name)),
        argv.join(' '),
      ).toEqual([]);
    }
  });

  it('`baton run` loads the AI SDK but not the source parser; orchestrate loads both', () => {
    const run = packagesLoaded(['run', '--help']);
    expect(run).toContain('ai');
    expect(run).not.toContain('oxc-parser');
    const orchestrate = packagesLoaded(['orchestrate', '--help']);
    expect(orchestrate).toEqual(expect.arrayContaining(['ai', 'oxc-parser']));
  });
});
