import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

describe('README example', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  it('is examples/release-check.ts verbatim', () => {
    expect(read('../README.md')).toContain(
      `\`\`\`ts\n${read('../examples/release-check.ts')}\`\`\``,
    );
  });

  it('runs and prints what its comments say', async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    await import('../examples/release-check.js');
    expect(printed).toEqual([
      [false, 'low'],
      ['Security: 3 (fail)'],
      ['Test Coverage: 79.62 (fail)'],
      ['Code Quality: 10 (pass)'],
      ['Documentation: 50 (fail)'],
      [2, 2],
      [10],
      ['## ❌ Release readiness: NOT READY'],
    ]);
    expect(process.exitCode).toBe(1);
  });
});
