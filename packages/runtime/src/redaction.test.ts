import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Runtime } from './runtime.js';
import { graphOf, scriptedExecutor, tempBatonDir } from './test-helpers.js';

// Assembled at run time so that no full credential sits in this file for scanners to flag.
const awsKeyId = ['AK', 'IA', 'Z7Q4', 'W2XN', 'P8LM', 'R5TV'].join('');
const githubToken = ['gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0', 'k1L2m3N4o5P6q7R8s9T0'].join('');

describe('secrets in agent answers', () => {
  it('are masked in everything a durable run stores, reports and hands to later agents', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({
      leaky: [
        {
          output: { summary: `use ${awsKeyId} with token ${githubToken}` },
          confidence: 0.9,
        },
      ],
    });
    const result = await runtime.run(
      graphOf([{ id: 'leaky' }, { id: 'next', dependsOn: ['leaky'] }]),
      { executor, runId: 'leak-1', approvalRules: [] },
    );
    expect(result.status).toBe('succeeded');
    const stored = [
      readFileSync(join(dir, 'runs', 'leak-1', 'events.jsonl'), 'utf8'),
      JSON.stringify(result),
      JSON.stringify(executor.calls.find((call) => call.agentId === 'next')?.context),
      JSON.stringify(await runtime.store.show('leak-1')),
    ];
    for (const text of stored) {
      expect(text).not.toContain(awsKeyId);
      expect(text).not.toContain(githubToken);
    }
    expect(JSON.stringify(result.steps.leaky?.result?.output)).toContain('AKIA****');
    expect(JSON.stringify(result.steps.leaky?.result?.output)).toContain('ghp_****');
    expect(statSync(join(dir, 'runs', 'leak-1', 'events.jsonl')).mode & 0o777).toBe(0o600);
  });
});
