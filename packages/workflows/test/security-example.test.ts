import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

describe('README security deep dive example', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  it('is examples/security-deep-dive.ts verbatim', () => {
    expect(read('../README.md')).toContain(
      `\`\`\`ts\n${read('../examples/security-deep-dive.ts')}\`\`\``,
    );
  });

  it('runs and prints what its comments say', async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    await import('../examples/security-deep-dive.js');
    expect(printed).toEqual([
      ['Critical Findings: 4 (fail)'],
      ['Compliance: 4 (fail)'],
      ['Remediation Plan: unknown (fail)'],
      ['E-1 dependency/GHSA-xvch-5gv4-984h package.json:9'],
      ['E-2 secret/aws-access-key-id src/config.js:2'],
      ['E-3 surface/command-injection src/server.js:12'],
      ['E-4 surface/unsafe-deserialization-of-input src/server.js:19'],
      [3],
      [7],
    ]);
    expect(process.exitCode).toBe(1);
  });
});
