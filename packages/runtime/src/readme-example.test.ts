import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../examples/run-a-plan.js';
import { tempBatonDir } from './test-helpers.js';

describe('README example', () => {
  it('is the example file, and it runs: the expert takes over from an unsure junior', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../examples/run-a-plan.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
    const { picture, result, progress, runs } = await main(tempBatonDir());
    expect(picture.split('\n')[0]).toBe('Task graph: 2 steps in 2 levels (strategy teaching)');
    expect(result.status).toBe('succeeded');
    expect(result.steps.expert_writer!.result!.output).toBe(
      'expert_writer wrote docs for: update API documentation',
    );
    expect(result.spend.total.costUsd).toBeCloseTo(0.0021);
    expect(progress).toEqual([50, 100]);
    expect(runs[0]!.id).toBe(result.runId);
  });
});
