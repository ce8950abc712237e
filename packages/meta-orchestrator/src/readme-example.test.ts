import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';

const read = (path: string) => readFile(new URL(path, import.meta.url), 'utf8');

it('the README shows examples/quick-start.ts verbatim', async () => {
  const readme = await read('../README.md');
  expect(readme).toContain((await read('../examples/quick-start.ts')).trim());
});

it('runs the README example (its assertions hold)', async () => {
  await expect(import('../examples/quick-start.js')).resolves.toBeDefined();
});
