/**
 * End to end: the built CLI (`dist/cli.js`) as a user runs it, against a local model server
 * speaking the OpenAI Chat Completions protocol, and stand-in coding-agent CLIs on PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeCliDirectory } from '../../../packages/executors/test/fake-clis.js';
import {
  type ModelServer,
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

const DOCS = 'update API documentation';
const REFACTOR = 'refactor code to reduce complexity';
const GENERIC = 'do something generic';

function answerText(summary: string, confidence = 0.9): string {
  return JSON.stringify({
    summary,
    findings: [
      { severity: 'low', message: 'a finding', location: { file: 'src/index.ts', line: 1 } },
    ],
    recommendations: ['keep going'],
    confidence,
  });
}

const ok = (summary = 'the docs are fine'): ScriptedReply => ({
  type: 'text',
  text: answerText(summary),
  inputTokens: 1000,
  outputTokens: 200,
});

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Each spawned CLI takes a few hundred milliseconds to start; a test spawns up to seven.
describe('baton run with a model provider (local OpenAI-compatible server)', {
  timeout: 30_000,
}, () => {
  it('runs the agents on the model and reports its token usage and the computed cost', async () => {
    server = await startModelServer({ replies: [ok()] });
    const dir = pricedProject();
    const result = await spawnBaton(['run', DOCS, '--json'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout); // exactly one JSON document
    expect(report.status).toBe('succeeded');
    expect(report.agents[0]).toMatchObject({
      agentId: 'documentation_writer__junior',
      status: 'succeeded',
      tier: 'CHEAP',
      inputTokens: 1000,
      outputTokens: 200,
      totalTokens: 1200,
      model: 'local-model',
      summary: 'the docs are fine',
      confidence: 0.9,
    });
    // 1000 tokens x $1/M + 200 tokens x $2/M
    expect(report.agents[0].costUsd).toBeCloseTo(0.0014, 10);
    expect(report.agents[1]).toMatchObject({ status: 'skipped', reason: 'condition-not-met' });
    expect(report.totals).toMatchObject({ totalTokens: 1200, unpricedAttempts: 0 });
    expect(report.totals.costUsd).toBeCloseTo(0.0014, 10);
    // The model really received the agent's prompt, with the project tools.
    const request = server.modelRequests()[0]!;
    expect(JSON.stringify(request.body)).toContain('update API documentation');
    expect(JSON.stringify(request.body)).toContain('read_file');
  });

  it('waits out a 429 per Retry-After and records the retry in the audit log', async () => {
    server = await startModelServer({
      replies: [{ type: 'error', status: 429, headers: { 'retry-after': '0' } }, ok()],
    });
    const dir = pricedProject();
    const result = await spawnBaton(['run', DOCS, '--json'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.agents[0]).toMatchObject({ status: 'succeeded', totalTokens: 1200 });
    expect(server.modelRequests()).toHaveLength(2);
    const retries = readAudit(dir).filter((entry) => entry.type === 'retry');
    expect(retries).toEqual([
      expect.objectContaining({
        runId: report.runId,
        message:
          'agent documentation_writer__junior: model call retry 1 in 0 ms after HTTP 429 (local-model)',
      }),
    ]);
  });

  it('prints a text report, and a second run of the task reuses the recorded composition', async () => {
    server = await startModelServer({ replies: [ok()] });
    const dir = pricedProject();
    const env = modelServerEnv(server);
    // Seeded draws: with seed 1 the proven team wins the second choice (see run.test.ts).
    const first = await spawnBaton(['run', DOCS, '--seed', '1'], { cwd: dir, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /documentation_writer__junior\s+succeeded\s+CHEAP\s+\d+\.\ds\s+1200\s+\$0\.0014\s+0\.90/,
    );
    expect(first.stdout).toContain(
      'Total: 1 agent run(s), 1200 tokens (1000 in, 200 out), cost $0.0014',
    );
    expect(first.stdout).toMatch(/Composition: composed documentation_simple-teaching-/);
    const second = await spawnBaton(['run', DOCS, '--json', '--seed', '1'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).composition.decision).toBe('reused');
    const compositions = readAudit(dir).filter((entry) => entry.type === 'composition');
    expect(compositions.map((entry) => entry.message.split(' ')[1])).toEqual([
      'composed',
      'reused',
    ]);
  });

  it('a budget stop exits 1 with the partial results', async () => {
    server = await startModelServer({ replies: [ok('draft done')] });
    const dir = pricedProject();
    const result = await spawnBaton(['run', REFACTOR, '--max-agents', '1', '--json'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('budget-exceeded');
    expect(report.agents[0]).toMatchObject({ status: 'succeeded', totalTokens: 1200 });
    expect(report.agents.slice(1).map((agent: { status: string }) => agent.status)).toEqual([
      'pending',
      'pending',
    ]);
    expect(server.modelRequests()).toHaveLength(1);
  });

  it('--dry-run shows the agents with their model and starts nothing', async () => {
    server = await startModelServer({ replies: [ok()] });
    const dir = pricedProject();
    const result = await spawnBaton(['run', REFACTOR, '--dry-run'], {
      cwd: dir,
      env: modelServerEnv(server),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /refactoring_specialist__polisher {2}tier PREMIUM {2}on openai-compatible local-model/,
    );
    expect(server.modelRequests()).toHaveLength(0);
    expect(existsSync(join(dir, '.baton', 'runs'))).toBe(false);
  });

  it('missing API key: one line, exit 2', async () => {
    const result = await spawnBaton(['run', DOCS], {
      cwd: tempDir(),
      env: { PATH: SYSTEM_PATH, HOME: tempDir(), BATON_PROVIDER: 'openai' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'baton: OPENAI_API_KEY is not set: export it to use the openai provider, or choose another with BATON_PROVIDER\n',
    );
    expect(result.stdout).toBe('');
  });

  it('a rejected key (401) fails at once: one request, no higher tier, no decision, a clear reason', async () => {
    server = await startModelServer({
      replies: [{ type: 'error', status: 401, message: 'invalid api key' }, ok()],
    });
    const dir = pricedProject();
    const result = await spawnBaton(['run', GENERIC, '--json'], {
      cwd: dir,
      env: { ...modelServerEnv(server), BATON_API_KEY: 'wrong' },
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('failed');
    expect(report.pendingDecisions).toEqual([]);
    expect(report.agents[0]).toMatchObject({ status: 'failed', attempts: 1, totalTokens: 0 });
    expect(report.agents[0].error).toMatch(
      /^Agent "code_reviewer" reported failure: Authentication failed \(401\) calling openai-compatible model "local-model": check BATON_API_KEY: invalid api key$/,
    );
    expect(server.modelRequests()).toHaveLength(1);
  });

  it('a failed step waits for a decision; runs list/show, decisions approve and runs resume finish it', async () => {
    let failing = true;
    server = await startModelServer({
      replies: () =>
        failing ? { type: 'error', status: 400, message: 'bad request' } : ok('reviewed'),
    });
    const dir = pricedProject();
    const env = modelServerEnv(server);
    const paused = await spawnBaton(['run', GENERIC, '--json'], { cwd: dir, env });
    expect(paused.code).toBe(1);
    const report = JSON.parse(paused.stdout);
    expect(report.status).toBe('paused');
    expect(report.agents[0].error).toMatch(/400|bad request/);

    const listed = await spawnBaton(['runs', 'list'], { cwd: dir, env });
    expect(listed.stdout).toMatch(new RegExp(`${report.runId}\\s+paused \\(resumable\\)`));
    const shown = await spawnBaton(['runs', 'show', report.runId, '--json'], { cwd: dir, env });
    expect(JSON.parse(shown.stdout).decisions[0].status).toBe('pending');

    const decisions = JSON.parse(
      (await spawnBaton(['decisions', 'list', '--json'], { cwd: dir, env })).stdout,
    );
    const approved = await spawnBaton(
      ['decisions', 'approve', decisions[0].id, '--note', 'fixed'],
      {
        cwd: dir,
        env,
      },
    );
    expect(approved.code).toBe(0);
    failing = false;
    const resumed = await spawnBaton(['runs', 'resume', report.runId, '--json'], { cwd: dir, env });
    expect(resumed.code).toBe(0);
    const after = JSON.parse(resumed.stdout);
    expect(after.status).toBe('succeeded');
    expect(after.agents[0]).toMatchObject({ summary: 'reviewed', totalTokens: 1200 });

    const logs = await spawnBaton(['runs', 'logs', report.runId], { cwd: dir, env });
    expect(logs.stdout).toMatch(/resumed: 1 steps/);
  });

  it('a rejected decision fails the run on resume', async () => {
    server = await startModelServer({ replies: [{ type: 'error', status: 400 }] });
    const dir = pricedProject();
    const env = modelServerEnv(server);
    const report = JSON.parse(
      (await spawnBaton(['run', GENERIC, '--json'], { cwd: dir, env })).stdout,
    );
    const rejected = await spawnBaton(
      ['decisions', 'reject', report.pendingDecisions[0].id, '--note', 'not worth it'],
      { cwd: dir, env },
    );
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('rejected');
    const resumed = await spawnBaton(['runs', 'resume', report.runId], { cwd: dir, env });
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toMatch(/Run \S+: FAILED/);
  });

  it('Ctrl-C (SIGINT) stops promptly, exit 1, the run is saved as cancelled', async () => {
    server = await startModelServer({ replies: [{ type: 'hang' }] });
    const dir = pricedProject();
    const env = modelServerEnv(server);
    const eventsFile = join(dir, 'events.jsonl');
    let pid = 0;
    const running = spawnBaton(['run', GENERIC, '--events-file', eventsFile, '--json'], {
      cwd: dir,
      env,
      onSpawn: (id) => {
        pid = id;
      },
    });
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !(existsSync(eventsFile) && readFileSync(eventsFile, 'utf8').includes('"step-start"'))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sent = Date.now();
    process.kill(pid, 'SIGINT');
    const result = await running;
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('cancelled');
    expect(result.stderr).toContain('interrupted');
    const shown = JSON.parse(
      (await spawnBaton(['runs', 'show', report.runId, '--json'], { cwd: dir, env })).stdout,
    );
    expect(shown).toMatchObject({ status: 'cancelled', resumable: true });
  });
});

describe('baton runs cancel from another process', { timeout: 30_000 }, () => {
  it('stops a running run, which saves itself as cancelled and exits 1', async () => {
    server = await startModelServer({ replies: [{ type: 'hang' }] });
    const dir = pricedProject();
    const env = modelServerEnv(server);
    const running = spawnBaton(['run', GENERIC, '--json'], { cwd: dir, env });
    let runId: string | undefined;
    const deadline = Date.now() + 10_000;
    while (runId === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (server.modelRequests().length === 0) continue;
      const listed = await spawnBaton(['runs', 'list', '--json'], { cwd: dir, env });
      runId = JSON.parse(listed.stdout)[0]?.id;
    }
    expect(runId).toBeDefined();
    const cancel = await spawnBaton(['runs', 'cancel', runId!], { cwd: dir, env });
    expect(cancel.code).toBe(0);
    const result = await running;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ runId, status: 'cancelled' });
  });
});

describe('baton run --agent-cli (stand-in CLIs on PATH)', { timeout: 30_000 }, () => {
  it('runs each agent with the CLI and reports the usage and cost the CLI printed', async () => {
    const { bin, record } = fakeCliDirectory({
      claude: { kind: 'claude-ok', result: answerText('claude reviewed it') },
    });
    const dir = tempDir();
    const env = { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() };
    const result = await spawnBaton(['run', GENERIC, '--agent-cli', 'claude', '--json'], {
      cwd: dir,
      env,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.agents[0]).toMatchObject({
      status: 'succeeded',
      costUsd: 0.0123,
      summary: 'claude reviewed it',
    });
    expect(report.agents[0].totalTokens).toBeGreaterThan(0);
    expect(report.totals.costUsd).toBe(0.0123);
    // The prompt went to the CLI on stdin, with the task in it; the model is the tier's.
    expect(readFileSync(join(record, 'claude.stdin'), 'utf8')).toContain(GENERIC);
    expect(readFileSync(join(record, 'claude.args'), 'utf8')).toContain('sonnet');
  });

  it('falls back along the chain when the first CLI is out of quota', async () => {
    const { bin } = fakeCliDirectory({
      claude: { kind: 'text', stdout: '', stderr: 'Claude usage limit reached', exitCode: 1 },
      codex: { kind: 'codex-ok', message: answerText('codex reviewed it') },
    });
    const dir = tempDir();
    const env = { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() };
    const result = await spawnBaton(['run', GENERIC, '--agent-cli', 'claude,codex', '--json'], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.agents[0]).toMatchObject({
      status: 'succeeded',
      totalTokens: 980,
      answeredBy: 'codex',
    });
    expect(readAudit(dir).filter((entry) => entry.type === 'fallback')).toEqual([
      expect.objectContaining({
        runId: report.runId,
        message: expect.stringMatching(
          /^agent code_reviewer: agent CLI claude failed \(quota: quota or rate limit: Claude usage limit reached\); the next CLI of the chain runs$/,
        ),
      }),
    ]);
  });

  it('--worktree gives the agent its own git worktree; --validate decides success', async () => {
    const { bin } = fakeCliDirectory({
      claude: {
        kind: 'write-file',
        file: 'agent-output.txt',
        next: { kind: 'claude-ok', result: answerText('wrote the file') },
      },
    });
    const dir = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    writeFileSync(join(dir, 'README.md'), '# demo\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    const env = { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() };
    const passed = await spawnBaton(
      [
        'run',
        GENERIC,
        '--agent-cli',
        'claude',
        '--worktree',
        '--validate',
        'test -f agent-output.txt',
        '--json',
      ],
      { cwd: dir, env },
    );
    expect(passed.code).toBe(0);
    const report = JSON.parse(passed.stdout);
    expect(report.agents[0].status).toBe('succeeded');
    // The agent wrote in its worktree, not in the project.
    expect(existsSync(join(dir, 'agent-output.txt'))).toBe(false);
    expect(git('branch', '--list', 'baton/*').toString()).toContain(
      `baton/${report.runId}/code_reviewer`,
    );

    const failed = await spawnBaton(
      [
        'run',
        GENERIC,
        '--agent-cli',
        'claude',
        '--validate',
        'exit 3',
        '--no-escalate',
        '--json',
        // The policy's draw reuses the stored team (another seed may try another candidate).
        '--seed',
        '1',
      ],
      { cwd: dir, env },
    );
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).agents[0].error).toBe(
      'Agent "code_reviewer" reported failure: Validation `exit 3` failed with exit code 3',
    );
  });

  it('--dry-run names the CLI and model per agent; a missing CLI is one line, exit 2', async () => {
    const { bin } = fakeCliDirectory({ codex: { kind: 'codex-ok', message: 'x' } });
    const env = { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() };
    const dry = await spawnBaton(['run', GENERIC, '--agent-cli', 'claude,codex', '--dry-run'], {
      cwd: tempDir(),
      env,
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /code_reviewer {2}tier CAPABLE {2}on cli claude sonnet \(not on PATH\) -> codex \(its default model\)/,
    );
    const missing = await spawnBaton(['run', GENERIC, '--agent-cli', 'gemini'], {
      cwd: tempDir(),
      env,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'baton: agent CLIs gemini: gemini not found on PATH; install it or add its folder to PATH\n',
    );
  });
});
