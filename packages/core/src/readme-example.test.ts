import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => vi.restoreAllMocks());

it('runs the README example and prints what its comments say', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const example = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain("from '@baton/core'");

  // The example imports the package by name; vitest.config.ts points that name at the sources.
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-core-readme-'));
  const file = path.join(dir, 'example.ts');
  await writeFile(file, example!);
  const printed: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args);
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  expect(printed).toHaveLength(2);
  const [[message], [answer, after, attempts, unit]] = printed as [[string], unknown[]];
  // The comment in the README shows the start of this message.
  expect(message).toMatch(
    /^template\.role: must be a non-empty string; template\.capabilities: is required; /,
  );
  expect(example).toContain(
    '// template.role: must be a non-empty string; template.capabilities: is required; ...',
  );
  expect([answer, after, attempts, unit]).toEqual(['done', 'after', 2, 'attempts']);
});
