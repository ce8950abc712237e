/**
 * The bundle: `dist/cli.js` (with a shebang) and the chunks it loads on demand, one per command
 * and the code they share, with the workspace packages inside; every package they still import
 * is a declared dependency, so the packed CLI installs and runs on its own. Checked on the built
 * CLI, the way users run it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli.js';
import { baton } from './helpers.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(appDir, 'dist');
const files = readdirSync(distDir).filter((file) => file.endsWith('.js'));
const entry = readFileSync(join(distDir, 'cli.js'), 'utf8');
const bundle = files.map((file) => readFileSync(join(distDir, file), 'utf8')).join('\n');
const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** Package names of the bare specifiers the bundle imports (static or dynamic). */
function importedPackages(code: string): string[] {
  const specifiers = [
    ...code.matchAll(/^\s*import\s[^'"]*?from\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1]!);
  const builtins = new Set(builtinModules);
  return [
    ...new Set(
      specifiers
        .filter((specifier) => !/^(\.|\/|node:)/.test(specifier) && !builtins.has(specifier))
        .map((specifier) => specifier.replace(/^(@[^/]+\/[^/]+|[^@/][^/]*).*$/, '$1')),
    ),
  ].sort();
}

describe('the bundled CLI', () => {
  it('starts from cli.js with a shebang, which loads nothing but its own chunks up front', () => {
    expect(files).toContain('cli.js');
    expect(entry.startsWith('#!/usr/bin/env node\n')).toBe(true);
    // `baton --help` must not load the AI SDK, zod or BullMQ: cli.js imports no package.
    expect(importedPackages(entry.replace(/\bimport\(\s*["'][^"']+["']\s*\)/g, ''))).toEqual([]);
    for (const file of files) {
      expect(file === 'cli.js' || /^[a-z-]+-[A-Z0-9-]+\.js$/.test(file)).toBe(true);
    }
  });

  it('has the workspace packages inside and imports only declared dependencies', () => {
    const imported = importedPackages(bundle);
    expect(imported.filter((name) => name.startsWith('@baton/'))).toEqual([]);
    expect(imported.filter((name) => !(name in manifest.dependencies))).toEqual([]);
    expect(imported).toEqual(expect.arrayContaining(['ai', 'oxc-parser', 'bullmq', 'pg']));
  });

  it('lists every command, each loading under its own name with usage text', async () => {
    expect(commands.map((command) => command.name)).toEqual([
      'orchestrate',
      'plan',
      'run',
      'runs',
      'decisions',
      'serve',
      'worker',
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
});
