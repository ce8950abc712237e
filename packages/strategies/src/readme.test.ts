import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('README example', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is examples/other-framework.ts verbatim', () => {
    const example = read('../examples/other-framework.ts')
      .split('\n')
      .filter((line) => !line.startsWith('// biome-ignore'))
      .join('\n');
    expect(read('../README.md')).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs and prints what its comments say', async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    const { review, docs } = await import('../examples/other-framework.js');
    expect(printed).toEqual([
      [false],
      [['5 words', 'IS THIS READY TO SHIP', undefined]],
      [['Agent "sleepy-head" timed out after 0.05s']],
      ['expert_takeover'],
      ['Yes: is the API documented.'],
    ]);
    expect(review.outputs.map((output) => output.agentId)).toEqual([
      'word-counter',
      'shouter',
      'sleepy-head',
    ]);
    expect(docs.success).toBe(true);
  });
});
