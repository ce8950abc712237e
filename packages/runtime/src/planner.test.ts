import { join } from 'node:path';
import type { Logger } from '@baton/core';
import { executionLevels } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { compilePlan } from './compile-plan.js';
import { parsePlannerOutput, planTask } from './planner.js';
import { tempBatonDir } from './test-helpers.js';

const heuristic = () => compilePlan({ strategy: 'sequential', agents: [{ id: 'code_reviewer' }] });

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('planTask', () => {
  it('uses a valid model decomposition (JSON in a code fence) as the graph', async () => {
    const answer = [
      'Here is the plan:',
      '```json',
      JSON.stringify({
        subtasks: [
          { id: 'scan', description: 'find call sites', tier: 'CHEAP' },
          { id: 'port', description: 'port call sites', dependsOn: ['scan'] },
          { id: 'docs', description: 'update docs', dependsOn: ['scan'] },
        ],
      }),
      '```',
    ].join('\n');
    const prompts: string[] = [];
    const result = await planTask('migrate the API', {
      model: async (prompt) => {
        prompts.push(prompt);
        return answer;
      },
      heuristic,
    });
    expect(result.source).toBe('planner-model');
    expect(prompts[0]).toContain('Task: migrate the API');
    expect(executionLevels(result.graph.steps)).toEqual([['scan'], ['port', 'docs']]);
    expect(result.graph.steps[0]!.agent).toMatchObject({
      id: 'scan',
      tier: 'CHEAP',
      instructions: 'find call sites',
    });
  });

  it('falls back to the heuristic plan when the model graph has a cycle, and logs and audits why', async () => {
    const dir = tempBatonDir();
    const audit = new AuditLog({ path: join(dir, 'audit.jsonl') });
    const logger = recordingLogger();
    const cyclic = JSON.stringify({
      subtasks: [
        { id: 'a', description: 'x', dependsOn: ['b'] },
        { id: 'b', description: 'y', dependsOn: ['a'] },
      ],
    });
    const result = await planTask('do it', { model: async () => cyclic, heuristic, logger, audit });
    expect(result.source).toBe('heuristic');
    expect(result.reason).toBe(
      "the planner model's graph is invalid: planner.steps: dependency cycle: a -> b -> a",
    );
    expect(result.graph.steps.map((step) => step.id)).toEqual(['code_reviewer']);
    expect(logger.lines[0]).toContain('warn Using the heuristic plan: the planner model');
    expect((await audit.read({ type: 'planner-fallback' }))[0]!.message).toContain(
      'dependency cycle',
    );
  });

  it('falls back on schema errors, prose, failures, and when no model is configured', async () => {
    const bad = await planTask('t', { model: async () => '{"subtasks":[{"id":"a"}]}', heuristic });
    expect(bad.reason).toContain('planner.subtasks.0.description');
    const prose = await planTask('t', { model: async () => 'I cannot help', heuristic });
    expect(prose.reason).toContain('planner: the answer contains no JSON object');
    const failed = await planTask('t', {
      model: async () => {
        throw new Error('503 overloaded');
      },
      heuristic,
    });
    expect(failed.reason).toBe('the planner model failed: 503 overloaded');
    const none = await planTask('t', { heuristic });
    expect(none).toMatchObject({ source: 'heuristic', reason: 'no planner model configured' });
    await expect(planTask('  ', { heuristic })).rejects.toThrow('task: must be a non-empty string');
  });

  it('rejects unknown dependencies and too many subtasks naming the field', () => {
    expect(() =>
      parsePlannerOutput(
        JSON.stringify({ subtasks: [{ id: 'a', description: 'x', dependsOn: ['zz'] }] }),
      ),
    ).toThrow('planner.steps.0.dependsOn.0: unknown step "zz"');
    const many = {
      subtasks: Array.from({ length: 3 }, (_, index) => ({ id: `s${index}`, description: 'x' })),
    };
    expect(() => parsePlannerOutput(JSON.stringify(many), { maxSubtasks: 2 })).toThrow(
      'planner.subtasks: has 3 subtasks, more than 2',
    );
  });
});
