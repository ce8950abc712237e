import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fakeCliDirectory } from '../test/fake-clis.js';
import { answerJson, recordingLogger } from '../test/mock-model.js';
import { detectAvailableClis, parseAgentCliChain } from './agent-cli.js';
import { type CliAgentOutput, createCliExecutor } from './cli-executor.js';

const agent = {
  id: 'code_reviewer',
  role: 'Code Quality Reviewer',
  tier: 'CHEAP' as const,
  instructions: 'Review the parser.',
  resourceRequirements: { maxTokens: 1000, timeoutSeconds: 30 },
};
const run = () => ({ signal: AbortSignal.timeout(15_000) });
const project = () => mkdtempSync(path.join(tmpdir(), 'baton-cli-project-'));
const envWith = (bin: string) => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: tmpdir() });
const out = (result: { output: unknown }) => result.output as CliAgentOutput;

/** Whether a process still runs (a zombie nobody reaped has ended). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('createCliExecutor', () => {
  it('runs claude with the prompt on stdin, its own model flag, and reads its JSON result', async () => {
    const { bin, record } = fakeCliDirectory({
      claude: { kind: 'claude-ok', result: answerJson({ confidence: 0.75 }) },
    });
    const root = project();
    const executor = createCliExecutor({
      chain: ['claude'],
      projectRoot: root,
      runId: 'r1',
      env: envWith(bin),
    });
    const result = await executor(agent, { task: 'review parser.ts' }, run());

    expect(result.success).toBe(true);
    expect(result.confidence).toBe(0.75);
    expect(out(result).answer?.summary).toBe('Reviewed the module; one issue.');
    expect(out(result).cli).toBe('claude');
    // Tokens as claude reported them (cache reads count as input) and the cost claude computed.
    expect(result.usage).toEqual({
      inputTokens: 500,
      outputTokens: 120,
      model: 'claude-haiku-4-5-20251001',
      costUsd: 0.0123,
    });
    const args = readFileSync(path.join(record, 'claude.args'), 'utf8').trim().split('\n');
    expect(args).toEqual(['-p', '--output-format', 'json', '--model', 'haiku']);
    const stdin = readFileSync(path.join(record, 'claude.stdin'), 'utf8');
    expect(stdin).toContain('Review the parser.');
    expect(stdin).toContain('Task: review parser.ts');
    expect(args.join(' ')).not.toContain('Review the parser');
    const logFile = path.join(root, '.baton', 'runs', 'r1', 'code_reviewer.claude.log');
    expect(out(result).attempts).toEqual([
      expect.objectContaining({ cli: 'claude', outcome: 'ok', exitCode: 0, logFile }),
    ]);
    expect(readFileSync(logFile, 'utf8')).toContain('"total_cost_usd":0.0123');
    expect(
      readFileSync(path.join(root, '.baton', 'runs', 'r1', 'code_reviewer.prompt.md'), 'utf8'),
    ).toBe(stdin);
  });

  it('asks for a custom answer format and parses the final message against it', async () => {
    const files = [{ path: 'test/extra.test.js', content: 'test("x", () => {});' }];
    const { bin, record } = fakeCliDirectory({
      claude: { kind: 'claude-ok', result: `Written:\n${JSON.stringify({ files })}` },
    });
    const executor = createCliExecutor({
      chain: ['claude'],
      projectRoot: project(),
      env: envWith(bin),
      answerFormat: {
        schema: z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) }),
        description: '{ "files": [{ "path": string, "content": string }] }',
      },
    });
    const result = await executor(agent, { task: 'write tests' }, run());
    expect(result.success).toBe(true);
    expect(out(result).answer).toEqual({ files });
    expect(result).not.toHaveProperty('confidence');
    const stdin = readFileSync(path.join(record, 'claude.stdin'), 'utf8');
    expect(stdin).toContain('{ "files": [{ "path": string, "content": string }] }');
    expect(stdin).not.toContain('"recommendations"');
  });

  it('passes each CLI its own model for the tier', async () => {
    const { bin, record } = fakeCliDirectory({
      codex: { kind: 'text', stdout: '', stderr: 'boom', exitCode: 1 },
      gemini: { kind: 'gemini-ok', response: 'done' },
    });
    const executor = createCliExecutor({
      chain: 'codex,gemini',
      projectRoot: project(),
      models: { codex: { PREMIUM: 'gpt-5-codex' } },
      env: envWith(bin),
    });
    const result = await executor({ ...agent, tier: 'PREMIUM' }, {}, run());
    expect(readFileSync(path.join(record, 'codex.args'), 'utf8').trim().split('\n')).toEqual([
      'exec',
      '--skip-git-repo-check',
      '--json',
      '-m',
      'gpt-5-codex',
      '-',
    ]);
    expect(readFileSync(path.join(record, 'gemini.args'), 'utf8').trim().split('\n')).toEqual([
      '--output-format',
      'json',
      '-m',
      'gemini-2.5-pro',
    ]);
    expect(result.success).toBe(true);
    expect(out(result).text).toBe('done');
    expect(result.confidence).toBeUndefined();
    // Priced from the table: 400 in at $0.30/M + 60 out at $2.50/M.
    expect(result.usage).toEqual({
      inputTokens: 400,
      outputTokens: 60,
      model: 'gemini-2.5-flash',
      costUsd: 0.00027,
    });
    expect(out(result).notes.some((note) => note.startsWith('no price known'))).toBe(false);
  });

  it('falls back on a quota message with exit 0, a non-zero exit and a hang past the timeout', async () => {
    const { bin, record } = fakeCliDirectory({
      codex: { kind: 'text', stdout: '', stderr: 'fatal: stream disconnected', exitCode: 2 },
      'cursor-agent': {
        kind: 'text',
        stdout: "You've hit your usage limit. Upgrade to continue.",
        exitCode: 0,
      },
      gemini: { kind: 'hang' },
      claude: { kind: 'claude-ok', result: answerJson() },
    });
    const { entries, logger } = recordingLogger();
    const executor = createCliExecutor({
      chain: ['cursor', 'codex', 'gemini', 'claude'],
      projectRoot: project(),
      timeoutSeconds: 0.3,
      killGraceMs: 50,
      env: envWith(bin),
      logger,
    });
    const started = performance.now();
    const result = await executor(agent, {}, run());
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result.success).toBe(true);
    expect(out(result).attempts.map((attempt) => [attempt.cli, attempt.outcome])).toEqual([
      ['cursor', 'quota'],
      ['codex', 'exit'],
      ['gemini', 'timeout'],
      ['claude', 'ok'],
    ]);
    expect(out(result).attempts[1]?.reason).toBe('exited with 2: fatal: stream disconnected');
    const sleepPid = Number(readFileSync(path.join(record, 'gemini.sleep.pid'), 'utf8'));
    expect(alive(sleepPid)).toBe(false);
    expect(
      entries.filter((entry) => entry.message === 'agent CLI failed, trying the next'),
    ).toHaveLength(3);
  });

  it('falls back on a login-required message printed with exit 0', async () => {
    const { bin } = fakeCliDirectory({
      'cursor-agent': {
        kind: 'text',
        stdout: 'Error: Authentication required. Please run cursor-agent login',
        exitCode: 0,
      },
      codex: { kind: 'codex-ok', message: answerJson({ confidence: 0.5 }) },
    });
    const executor = createCliExecutor({
      chain: 'cursor,codex',
      projectRoot: project(),
      env: envWith(bin),
    });
    const result = await executor(agent, {}, run());
    expect(out(result).attempts.map((attempt) => attempt.outcome)).toEqual(['auth', 'ok']);
    expect(result.success).toBe(true);
    expect(result.confidence).toBe(0.5);
    expect(result.usage).toEqual({ inputTokens: 900, outputTokens: 80 });
  });

  it('reports every reason when the whole chain fails', async () => {
    const { bin } = fakeCliDirectory({
      claude: {
        kind: 'text',
        stdout: JSON.stringify({
          type: 'result',
          subtype: 'success',
          is_error: true,
          api_error_status: 401,
          result: 'Invalid API key · Please run /login',
        }),
        exitCode: 1,
      },
    });
    const executor = createCliExecutor({
      chain: 'codex,claude',
      projectRoot: project(),
      env: envWith(bin),
    });
    const result = await executor(agent, {}, run());
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      'Every agent CLI failed: codex: codex not found on PATH; claude: authentication required: Invalid API key · Please run /login',
    );
  });

  it('names a plain-text quota message of a JSON-lines CLI and the stderr of a CLI that printed no JSON', async () => {
    const { bin } = fakeCliDirectory({
      claude: { kind: 'text', stdout: '', stderr: 'claude: internal failure', exitCode: 3 },
      codex: {
        kind: 'text',
        stdout: "You've hit your usage limit. Upgrade to Pro or try again later.",
        exitCode: 0,
      },
      gemini: { kind: 'text', stdout: 'Loaded cached credentials.', exitCode: 0 },
    });
    const executor = createCliExecutor({
      chain: 'claude,codex,gemini',
      projectRoot: project(),
      env: envWith(bin),
    });
    const result = await executor(agent, {}, run());
    expect(out(result).attempts.map((attempt) => [attempt.cli, attempt.outcome])).toEqual([
      ['claude', 'exit'],
      ['codex', 'quota'],
      ['gemini', 'error'],
    ]);
    expect(out(result).attempts.map((attempt) => attempt.reason)).toEqual([
      'exited with 3: no JSON result in the output; claude: internal failure',
      "quota or rate limit: You've hit your usage limit. Upgrade to Pro or try again later.",
      'no JSON result in the output',
    ]);
  });

  it('takes the plain text a CLI printed with exit 0 instead of its JSON as the answer, usage unknown', async () => {
    const answer = answerJson({ confidence: 0.6 });
    const { bin } = fakeCliDirectory({
      // An older claude or a wrapper script: the answer as plain text, with a JSON object in it.
      claude: { kind: 'text', stdout: `Here is my review:\n${answer}\n`, exitCode: 0 },
      // codex without --json support: plain text, no JSON lines at all.
      codex: { kind: 'text', stdout: '  All tests pass; nothing to change.\n\n', exitCode: 0 },
      gemini: { kind: 'text', stdout: `${answer}\n`, exitCode: 0 },
    });
    for (const cli of ['claude', 'codex', 'gemini'] as const) {
      const executor = createCliExecutor({ chain: cli, projectRoot: project(), env: envWith(bin) });
      const result = await executor(agent, {}, run());
      expect(result.success, cli).toBe(true);
      expect(
        out(result).attempts.map((attempt) => attempt.outcome),
        cli,
      ).toEqual(['ok']);
      expect(result, cli).not.toHaveProperty('usage');
      expect(out(result).notes, cli).toEqual([
        `${cli} printed plain text instead of its JSON output: the answer is that text; token usage unknown`,
      ]);
      if (cli === 'codex') {
        expect(out(result).text).toBe('All tests pass; nothing to change.');
        expect(out(result).answer).toBeUndefined();
        expect(result).not.toHaveProperty('confidence');
      } else {
        expect(out(result).answer?.summary, cli).toBe('Reviewed the module; one issue.');
        expect(result.confidence, cli).toBe(0.6);
      }
    }
  });

  it('treats a claude result with is_error and a 429 as a quota failure even with exit 0', async () => {
    const { bin } = fakeCliDirectory({
      claude: {
        kind: 'text',
        stdout: JSON.stringify({
          type: 'result',
          subtype: 'success',
          is_error: true,
          api_error_status: 429,
          result: 'API Error: Request rejected (429)',
        }),
        exitCode: 0,
      },
    });
    const executor = createCliExecutor({
      chain: 'claude',
      projectRoot: project(),
      env: envWith(bin),
    });
    const result = await executor(agent, {}, run());
    expect(out(result).attempts[0]?.outcome).toBe('quota');
    expect(result.success).toBe(false);
  });

  it('runs the validation command after the agent and lets it decide success', async () => {
    const { bin } = fakeCliDirectory({ claude: { kind: 'claude-ok', result: 'all fixed' } });
    const root = project();
    const passing = createCliExecutor({
      chain: 'claude',
      projectRoot: root,
      runId: 'v1',
      validate: 'touch validated && echo checks passed',
      env: envWith(bin),
    });
    const ok = await passing(agent, {}, run());
    expect(ok.success).toBe(true);
    expect(existsSync(path.join(root, 'validated'))).toBe(true);
    expect(out(ok).validation).toMatchObject({
      passed: true,
      exitCode: 0,
      outputTail: 'checks passed',
    });

    const failing = createCliExecutor({
      chain: 'claude',
      projectRoot: root,
      runId: 'v2',
      validate: 'echo 2 tests failed; exit 3',
      env: envWith(bin),
    });
    const bad = await failing(agent, {}, run());
    expect(bad.success).toBe(false);
    expect(bad.error).toBe('Validation `echo 2 tests failed; exit 3` failed with exit code 3');
    expect(
      readFileSync(path.join(root, '.baton', 'runs', 'v2', 'code_reviewer.claude.log'), 'utf8'),
    ).toContain('2 tests failed');
  });

  it('gives each agent its own git worktree and branch', async () => {
    const root = project();
    const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
    gitIn('init', '-q', '-b', 'main');
    writeFileSync(path.join(root, 'README.md'), 'hello\n');
    gitIn('add', '.');
    gitIn('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'init');
    const { bin, record } = fakeCliDirectory({
      claude: {
        kind: 'write-file',
        file: 'agent-wrote.txt',
        next: { kind: 'claude-ok', result: 'wrote it' },
      },
    });
    const executor = createCliExecutor({
      chain: 'claude',
      projectRoot: root,
      runId: 'w1',
      worktree: true,
      env: envWith(bin),
    });
    const result = await executor(agent, {}, run());

    const worktree = path.join(root, '.baton', 'runs', 'w1', 'worktrees', 'code_reviewer');
    expect(out(result).worktree).toEqual({ path: worktree, branch: 'baton/w1/code_reviewer' });
    expect(readFileSync(path.join(record, 'claude.cwd'), 'utf8').trim()).toBe(worktree);
    expect(out(result).changedFiles).toEqual(['agent-wrote.txt']);
    expect(existsSync(path.join(root, 'agent-wrote.txt'))).toBe(false);
    expect(gitIn('branch', '--list', '--format=%(refname:short)', 'baton/*').trim()).toBe(
      'baton/w1/code_reviewer',
    );

    // Agents running at the same time each get their own worktree.
    const [first, second] = await Promise.all([
      executor({ ...agent, id: 'writer_a' }, {}, run()),
      executor({ ...agent, id: 'writer_b' }, {}, run()),
    ]);
    expect([first?.success, second?.success]).toEqual([true, true]);
    expect(
      gitIn('branch', '--list', '--format=%(refname:short)', 'baton/*').trim().split('\n'),
    ).toEqual(['baton/w1/code_reviewer', 'baton/w1/writer_a', 'baton/w1/writer_b']);
  });

  it('kills the CLI process group and rejects when the run is aborted', async () => {
    const { bin, record } = fakeCliDirectory({ claude: { kind: 'hang' } });
    const executor = createCliExecutor({
      chain: 'claude',
      projectRoot: project(),
      killGraceMs: 50,
      env: envWith(bin),
    });
    const controller = new AbortController();
    const pending = executor(agent, {}, { signal: controller.signal });
    const pidFile = path.join(record, 'claude.sleep.pid');
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort(new Error('run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('rejects a bad chain naming the field', () => {
    expect(() => createCliExecutor({ chain: 'claude,aider' })).toThrow(
      'chain: unknown agent CLI "aider"',
    );
    expect(parseAgentCliChain('claude, cursor-agent ,claude')).toEqual(['claude', 'cursor']);
  });
});

describe('detectAvailableClis', () => {
  it('lists the CLIs whose binaries are on PATH', async () => {
    const { bin } = fakeCliDirectory({
      claude: { kind: 'hang' },
      'cursor-agent': { kind: 'hang' },
    });
    expect(await detectAvailableClis({ PATH: bin })).toEqual([
      { name: 'claude', path: path.join(bin, 'claude') },
      { name: 'cursor', path: path.join(bin, 'cursor-agent') },
    ]);
    expect(await detectAvailableClis({ PATH: '' })).toEqual([]);
  });
});
