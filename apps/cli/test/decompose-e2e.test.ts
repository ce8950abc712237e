import { afterEach, describe, expect, it } from 'vitest';
import { fakeCliDirectory } from '../../../packages/executors/test/fake-clis.js';
import {
  type ModelServer,
  type RecordedRequest,
  type ScriptedReply,
  startModelServer,
} from '../../../packages/executors/test/servers.js';
import { tempDir } from './helpers.js';
import {
  modelServerEnv,
  pricedProject,
  readAudit,
  SYSTEM_PATH,
  spawnBaton,
} from './run-helpers.js';

const TASK = 'update API documentation';

function answerText(summary: string): string {
  return JSON.stringify({
    summary,
    findings: [],
    recommendations: ['keep going'],
    confidence: 0.8,
  });
}

const isPlannerPrompt = (request: RecordedRequest): boolean =>
  JSON.stringify(request.body).includes('Decompose the task below');

/** The planner gets `planner`; every agent gets an answer naming what it was asked. */
function replies(planner: string) {
  return (request: RecordedRequest): ScriptedReply =>
    isPlannerPrompt(request)
      ? { type: 'text', text: planner, inputTokens: 500, outputTokens: 100 }
      : { type: 'text', text: answerText('done'), inputTokens: 1000, outputTokens: 200 };
}

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('baton run --decompose', { timeout: 30_000 }, () => {
  it("runs the planner model's subtask graph and says so in the audit log and report", async () => {
    const planner = JSON.stringify({
      subtasks: [
        { id: 'inventory', description: 'List every public endpoint of the API', tier: 'CHEAP' },
        {
          id: 'write-docs',
          description: 'Write a reference page for each endpoint listed',
          dependsOn: ['inventory'],
        },
      ],
    });
    server = await startModelServer({ replies: replies(planner) });
    const dir = pricedProject();
    const result = await spawnBaton(['run', TASK, '--decompose', '--json'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('succeeded');
    expect(report.agents.map((agent: { stepId: string }) => agent.stepId)).toEqual([
      'inventory',
      'write-docs',
    ]);
    expect(report.agents.every((agent: { status: string }) => agent.status === 'succeeded')).toBe(
      true,
    );
    // 500 x $1/M + 100 x $2/M, measured from the server's usage block.
    expect(report.plan).toMatchObject({
      source: 'planner-model',
      planner: {
        model: 'local-model',
        success: true,
        usage: { inputTokens: 500, outputTokens: 100 },
      },
    });
    expect(report.plan.planner.usage.costUsd).toBeCloseTo(0.0007, 10);
    expect(report.plan.reason).toBe(
      'planner model decomposed the task into 2 subtasks (local-model: 600 tokens, $0.0007)',
    );
    // The planner call came first; then each agent got its subtask, in dependency order.
    const bodies = server.modelRequests().map((request) => JSON.stringify(request.body));
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toContain('Decompose the task below');
    expect(bodies[1]).toContain('List every public endpoint of the API');
    expect(bodies[2]).toContain('Write a reference page for each endpoint listed');
    const plan = readAudit(dir).filter((entry) => entry.type === 'plan');
    expect(plan).toEqual([
      expect.objectContaining({
        runId: report.runId,
        message: `plan from planner-model: ${report.plan.reason}`,
      }),
    ]);
    // The planner's team is not the composed one: no outcome is recorded on a composition.
    expect(report.composition).toBeNull();
    expect(report.outcome).toBeNull();
  });

  it('falls back to the heuristic plan when the planner answers with a cycle, naming it', async () => {
    const cyclic = JSON.stringify({
      subtasks: [
        { id: 'a', description: 'first', dependsOn: ['b'] },
        { id: 'b', description: 'second', dependsOn: ['a'] },
      ],
    });
    server = await startModelServer({ replies: replies(cyclic) });
    const dir = pricedProject();
    const result = await spawnBaton(['run', TASK, '--decompose', '--json'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    // The composed team ran (a documentation writer), not the planner's a and b.
    expect(report.agents[0]).toMatchObject({
      agentId: 'documentation_writer__junior',
      status: 'succeeded',
    });
    expect(report.agents.map((agent: { stepId: string }) => agent.stepId)).not.toContain('a');
    expect(report.plan.source).toBe('heuristic');
    expect(report.plan.reason).toMatch(/dependency cycle: (a -> b -> a|b -> a -> b)/);
    expect(report.plan.reason).toContain('used the heuristic plan');
    expect(report.plan.planner).toMatchObject({ model: 'local-model', success: true });
    const plan = readAudit(dir).find((entry) => entry.type === 'plan');
    expect(plan?.message).toMatch(
      /^plan from meta-orchestrator: --decompose: the planner model's graph is invalid: .*dependency cycle: (a -> b -> a|b -> a -> b); used the heuristic plan/,
    );
    expect(report.composition).not.toBeNull();
  });

  it('uses the heuristic plan without a model, logging why, and is not an error', async () => {
    const { bin } = fakeCliDirectory({
      claude: { kind: 'claude-ok', result: answerText('claude did it') },
    });
    const dir = tempDir();
    const result = await spawnBaton(
      ['run', 'do something generic', '--agent-cli', 'claude', '--decompose', '--json'],
      { cwd: dir, env: { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() } },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('succeeded');
    expect(report.plan).toMatchObject({ source: 'heuristic', planner: null });
    expect(report.plan.reason).toMatch(
      /^no planner model configured \(No model provider configured: .*\); used the heuristic plan$/,
    );
    const plan = readAudit(dir).find((entry) => entry.type === 'plan');
    expect(plan?.message).toContain('--decompose: no planner model configured');
  });

  it('baton plan --graph --decompose shows the planner graph and where it came from', async () => {
    const planner = JSON.stringify({
      subtasks: [
        { id: 'inventory', description: 'List every public endpoint of the API' },
        { id: 'write-docs', description: 'Write the pages', dependsOn: ['inventory'] },
      ],
    });
    server = await startModelServer({ replies: replies(planner) });
    const dir = pricedProject();
    const json = await spawnBaton(['plan', TASK, '--graph', '--decompose', '--json'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(json.code).toBe(0);
    const shown = JSON.parse(json.stdout);
    expect(shown.decompose.source).toBe('planner-model');
    expect(shown.graph.steps.map((step: { id: string }) => step.id)).toEqual([
      'inventory',
      'write-docs',
    ]);
    const text = await spawnBaton(['plan', TASK, '--graph', '--decompose'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(text.stdout).toContain('Graph from: planner model (planner model decomposed the task');
    expect(text.stdout).toContain('write-docs');
    // Only the planner was called: plan runs nothing.
    expect(server.modelRequests()).toHaveLength(2);
    const usage = await spawnBaton(['plan', TASK, '--decompose'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--decompose needs --graph');
  });
});
