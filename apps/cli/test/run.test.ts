import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeCliDirectory } from '../../../packages/executors/test/fake-clis.js';
import { tempDir } from './helpers.js';
import {
  answer,
  batonRun,
  readAudit,
  SCRIPTED_ENV,
  scriptedExecutors,
  typedInput,
} from './run-helpers.js';

const DOCS = 'update API documentation';
const REFACTOR = 'refactor code to reduce complexity';
const GENERIC = 'do something generic';

function failing(agentId: string) {
  return { output: { summary: `${agentId} gave up` }, success: false, error: 'scripted failure' };
}

// Generous limits: the machine may be busy; the runs themselves take milliseconds.
describe('baton run (scripted executors)', { timeout: 20_000 }, () => {
  it('runs a plan on the runtime, reports measured usage per agent and in total, exit 0', async () => {
    const project = tempDir();
    const { factory, calls } = scriptedExecutors();
    const result = await batonRun(['run', DOCS, '--json'], { cwd: project, factory });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('succeeded');
    expect(report.strategy).toBe('teaching');
    // The junior was confident enough: the expert is skipped by its condition, not run.
    expect(calls.map((call) => call.agentId)).toEqual(['documentation_writer__junior']);
    const [junior, expert] = report.agents;
    expect(junior).toMatchObject({
      agentId: 'documentation_writer__junior',
      status: 'succeeded',
      tier: 'CHEAP',
      inputTokens: 100,
      outputTokens: 40,
      totalTokens: 140,
      costUsd: 0.002,
      confidence: 0.9,
      summary: 'documentation_writer__junior checked the project',
      // A model provider ran it, not a CLI of a chain.
      answeredBy: null,
    });
    expect(junior.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(expert).toMatchObject({ status: 'skipped', attempts: 0, totalTokens: null });
    expect(report.totals).toMatchObject({ agents: 1, totalTokens: 140, costUsd: 0.002 });
    expect(report.composition).toMatchObject({
      decision: 'composed',
      taskPattern: 'documentation_simple',
    });
    expect(report.outcome).toMatchObject({ recorded: true, success: true, usageCount: 1 });
    expect(existsSync(join(project, '.baton', 'runs', report.runId, 'events.jsonl'))).toBe(true);
    expect(result.stderr).toBe('');
    const shown = await batonRun(['runs', 'show', report.runId], { cwd: project });
    expect(shown.stdout).toContain(
      'Spend: 1 agent run(s), 140 tokens (100 in, 40 out), cost $0.0020',
    );
    // A finished run has nothing to resume, whatever the model setup is now.
    const again = await batonRun(['runs', 'resume', report.runId], { cwd: project, env: {} });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`baton: run ${report.runId} succeeded: there is nothing to resume\n`);
    const audit = readAudit(project).map((entry) => `${entry.type}: ${entry.message}`);
    expect(audit).toContainEqual(
      expect.stringMatching(/^strategy: strategy teaching chosen: rule documentation; /),
    );
    expect(audit).toContainEqual(
      expect.stringMatching(/^outcome: outcome recorded on composition/),
    );
  });

  it('rates a finished run: the rating is its quality, recorded on its composition', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    const report = JSON.parse(
      (await batonRun(['run', DOCS, '--json'], { cwd: project, factory })).stdout,
    );
    const rated = await batonRun(['runs', 'rate', report.runId, '--score', '70', '--note', 'ok'], {
      cwd: project,
    });
    expect(rated.code).toBe(0);
    const compositionId = report.outcome.compositionId;
    expect(rated.stdout).toContain(`Run ${report.runId} rated 70: quality`);
    expect(rated.stdout).toContain(`(recorded on composition ${compositionId})`);
    const json = JSON.parse(
      (await batonRun(['runs', 'rate', report.runId, '--score', '90', '--json'], { cwd: project }))
        .stdout,
    );
    expect(json.ratings.map((rating: { score: number }) => rating.score)).toEqual([70, 90]);
    expect(json.recordedScore).toBe(json.quality.score);
    expect(json.quality.score).not.toBeNull();

    for (const [argv, message] of [
      [['runs', 'rate', report.runId], 'baton: runs rate needs --score N (0 to 100)\n'],
      [['runs', 'rate', report.runId, '--score', '101'], /--score/],
      [['runs', 'rate', 'no-such-run', '--score', '50'], /no run "no-such-run"/],
      [['runs', 'cancel', report.runId], new RegExp(`^baton: .*${report.runId}.*\\n$`)],
    ] as const) {
      const bad = await batonRun([...argv], { cwd: project });
      expect(bad.code).toBe(2);
      if (typeof message === 'string') expect(bad.stderr).toBe(message);
      else expect(bad.stderr).toMatch(message);
    }
  });

  it('prints a text report with a row per agent and unknown where nothing was measured', async () => {
    const { factory } = scriptedExecutors(({ agentId }) => ({
      ...answer(agentId),
      usage: { inputTokens: 10, outputTokens: 5 }, // no price known
    }));
    const result = await batonRun(['run', DOCS], { factory });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Run \S+: SUCCEEDED in \d+\.\ds/);
    expect(result.stdout).toMatch(
      /documentation_writer__junior\s+succeeded\s+CHEAP\s+\d+\.\ds\s+15\s+unknown\s+0\.90/,
    );
    expect(result.stdout).toContain('cost unknown (at least $0.0000 priced)');
    expect(result.stdout).toContain('used a model without a known price');
  });

  // The policy's draws are seeded (--seed), so the choice is the same on every run of the test:
  // with seed 1 the proven team's draw wins, with seed 0 an untried candidate is tried.
  it('reuses the stored composition on the next run of the same kind of task', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    const first = JSON.parse(
      (await batonRun(['run', DOCS, '--json', '--seed', '1'], { cwd: project, factory })).stdout,
    );
    expect(first.composition.decision).toBe('composed');
    const second = JSON.parse(
      (
        await batonRun(['run', 'document the README', '--json', '--seed', '1'], {
          cwd: project,
          factory,
        })
      ).stdout,
    );
    expect(second.composition).toMatchObject({
      decision: 'reused',
      compositionId: first.composition.compositionId,
    });
    expect(second.composition.reason).toBe(
      `reused ${first.composition.compositionId} (as composed): 1/1 successes at $0.002 a run`,
    );
    const audit = readAudit(project);
    expect(
      audit.filter((entry) => entry.type === 'composition').map((entry) => entry.message),
    ).toEqual([
      expect.stringMatching(
        /^composition composed \(documentation_simple-teaching-\w+\): first run of task pattern documentation_simple: .* candidate\(s\) registered for the policy to try$/,
      ),
      `composition reused (${first.composition.compositionId}): ${second.composition.reason}`,
    ]);
    expect(audit.some((entry) => entry.type === 'outcome')).toBe(true);
    const listed = await batonRun(['compositions', 'list', '--json'], { cwd: project });
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ usageCount: 2, successCount: 2 });
  });

  it('names a corrupt stored composition on list and run instead of treating it as absent', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    const compositions = join(project, '.baton', 'compositions');
    mkdirSync(compositions, { recursive: true });
    const cut = join(compositions, 'documentation_simple-cut.json');
    writeFileSync(cut, '{"id": "documentation_simple-cut", "taskPat');

    const empty = await batonRun(['compositions', 'list'], { cwd: project });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe(`No readable compositions in ${compositions}.\n`);
    expect(empty.stderr).toMatch(/^baton: Composition file .+ \(skipped, left untouched\): .+\n$/);
    expect(empty.stderr).toContain(`baton: Composition file ${cut} is corrupt`);

    const run = JSON.parse(
      (await batonRun(['run', DOCS, '--json', '--seed', '1'], { cwd: project, factory })).stdout,
    );
    expect(run.composition.reason).toContain(
      `; not considered, 1 stored file(s) that cannot be read: Composition file ${cut} is corrupt`,
    );
    const listed = await batonRun(['compositions', 'list', '--json'], { cwd: project });
    expect(JSON.parse(listed.stdout).map((config: { id: string }) => config.id)).toContain(
      run.composition.compositionId,
    );
    expect(listed.stderr).toContain(`baton: Composition file ${cut} is corrupt`);
    // Left as it was, for a person to repair or delete.
    expect(readFileSync(cut, 'utf8')).toBe('{"id": "documentation_simple-cut", "taskPat');
  });

  it('tries an untried candidate now and then, and says which and why', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    const first = JSON.parse(
      (await batonRun(['run', DOCS, '--json', '--seed', '0'], { cwd: project, factory })).stdout,
    );
    const second = JSON.parse(
      (await batonRun(['run', DOCS, '--json', '--seed', '0'], { cwd: project, factory })).stdout,
    );
    expect(second.composition).toMatchObject({ decision: 'composed', basis: 'untried' });
    expect(second.composition.compositionId).not.toBe(first.composition.compositionId);
    expect(second.composition.reason).toMatch(
      new RegExp(
        `^tried ${second.composition.compositionId} \\(.+\\): not run yet, estimated \\$[0-9.]+; best so far ${first.composition.compositionId} \\(as composed\\): 1/1 successes`,
      ),
    );
  });

  it('a composition that succeeded three times becomes a pattern in .baton/patterns', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    for (let run = 0; run < 3; run += 1) {
      expect((await batonRun(['run', DOCS, '--seed', '1'], { cwd: project, factory })).code).toBe(
        0,
      );
    }
    const patterns = readdirSync(join(project, '.baton', 'patterns')).filter((name) =>
      name.endsWith('.json'),
    );
    expect(patterns).toHaveLength(1);
    const pattern = JSON.parse(
      readFileSync(join(project, '.baton', 'patterns', patterns[0]!), 'utf8'),
    );
    expect(pattern).toMatchObject({ type: 'agent_composition', confidence: 1 });
  });

  it('--fresh, or capabilities named in --context, compose even when a proven composition is stored', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    await batonRun(['run', DOCS], { cwd: project, factory });
    const fresh = await batonRun(['run', DOCS, '--fresh', '--json'], { cwd: project, factory });
    expect(JSON.parse(fresh.stdout).composition.decision).toBe('composed');
    const explicit = await batonRun(
      ['run', DOCS, '--context', '{"capabilities":["generate_docs"]}', '--json'],
      { cwd: project, factory },
    );
    expect(JSON.parse(explicit.stdout).composition).toMatchObject({
      decision: 'composed',
      reason: '--context names the capabilities: a team composed for them',
    });
  });

  it('a budget stop ends the run with exit 1 and partial results; resume finishes it without re-running', async () => {
    const project = tempDir();
    const { factory, calls } = scriptedExecutors();
    const stopped = await batonRun(['run', REFACTOR, '--max-agents', '1', '--json'], {
      cwd: project,
      factory,
    });
    expect(stopped.code).toBe(1);
    const report = JSON.parse(stopped.stdout);
    expect(report.status).toBe('budget-exceeded');
    expect(report.budgetStop).toMatchObject({ limit: 'maxAgents', max: 1 });
    expect(report.agents.map((agent: { status: string }) => agent.status)).toEqual([
      'succeeded',
      'pending',
      'pending',
    ]);
    expect(report.totals.totalTokens).toBe(140);
    expect(report.outcome).toMatchObject({ recorded: false });
    expect(report.next).toContain(`baton runs resume ${report.runId}`);
    expect(readAudit(project).some((entry) => entry.type === 'budget-stop')).toBe(true);

    const resumed = await batonRun(
      ['runs', 'resume', report.runId, '--max-agents', '5', '--json'],
      {
        cwd: project,
        factory,
      },
    );
    expect(resumed.code).toBe(0);
    const after = JSON.parse(resumed.stdout);
    expect(after.status).toBe('succeeded');
    expect(calls.map((call) => call.agentId)).toEqual([
      'refactoring_specialist__drafter',
      'refactoring_specialist__reviewer',
      'refactoring_specialist__polisher',
    ]);
    expect(after.totals.totalTokens).toBe(3 * 140);
    expect(after.outcome).toMatchObject({ recorded: true, success: true });

    const again = await batonRun(['runs', 'resume', report.runId], { cwd: project, factory });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`baton: run ${report.runId} succeeded: there is nothing to resume\n`);
  });

  it('a --max-cost-usd limit below the first estimate starts nothing', async () => {
    const { factory, calls } = scriptedExecutors();
    const env = {
      BATON_PROVIDER: 'openai-compatible',
      BATON_BASE_URL: 'http://127.0.0.1:9/v1',
      BATON_MODEL: 'gpt-4.1-mini',
    };
    const result = await batonRun(['run', GENERIC, '--max-cost-usd', '0.0001', '--json'], {
      factory,
      env,
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).budgetStop.limit).toBe('maxCostUsd');
    expect(calls).toHaveLength(0);
  });

  it('a failed step waits for a person: paused, exit 1; approve + resume retries it; reject fails it', async () => {
    const project = tempDir();
    let fail = true;
    const { factory } = scriptedExecutors(({ agentId }) =>
      fail ? failing(agentId) : answer(agentId),
    );
    const paused = await batonRun(['run', GENERIC, '--json'], { cwd: project, factory });
    expect(paused.code).toBe(1);
    const report = JSON.parse(paused.stdout);
    expect(report.status).toBe('paused');
    expect(report.pendingDecisions).toHaveLength(1);
    const decisionId = report.pendingDecisions[0].id;
    expect(report.next[0]).toContain(`baton decisions approve ${decisionId}`);
    expect(report.agents[0]).toMatchObject({
      status: 'awaiting-decision',
      attempts: 2,
      totalTokens: null,
      error: 'Agent "code_reviewer" reported failure: scripted failure',
    });

    const listed = await batonRun(['decisions', 'list', '--run', report.runId, '--json'], {
      cwd: project,
    });
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: decisionId, status: 'pending', kind: 'escalation' }),
    ]);
    const text = await batonRun(['decisions', 'list'], { cwd: project });
    expect(text.stdout).toContain(decisionId);

    const approved = await batonRun(['decisions', 'approve', decisionId, '--note', 'try again'], {
      cwd: project,
    });
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`baton runs resume ${report.runId}`);
    const again = await batonRun(['decisions', 'approve', decisionId], { cwd: project });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already approved/);

    fail = false;
    const resumed = await batonRun(['runs', 'resume', report.runId, '--json'], {
      cwd: project,
      factory,
    });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('succeeded');

    // Reject: the step fails and so does the run.
    fail = true;
    const second = JSON.parse(
      (await batonRun(['run', GENERIC, '--fresh', '--json'], { cwd: project, factory })).stdout,
    );
    const rejected = await batonRun(
      ['decisions', 'reject', second.pendingDecisions[0].id, '--json'],
      {
        cwd: project,
      },
    );
    expect(JSON.parse(rejected.stdout).status).toBe('rejected');
    const final = await batonRun(['runs', 'resume', second.runId, '--json'], {
      cwd: project,
      factory,
    });
    expect(final.code).toBe(1);
    expect(JSON.parse(final.stdout).status).toBe('failed');
    expect(
      readAudit(project).filter((entry) => entry.type === 'decision').length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('--no-escalate fails the run at once instead of waiting', async () => {
    const { factory } = scriptedExecutors(({ agentId }) => failing(agentId));
    const result = await batonRun(['run', GENERIC, '--no-escalate', '--json'], { factory });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('failed');
    expect(report.pendingDecisions).toEqual([]);
    expect(report.agents[0].error).toBe('Agent "code_reviewer" reported failure: scripted failure');
  });

  it('on a terminal, asks the person and continues with the answer', async () => {
    let calls = 0;
    const { factory } = scriptedExecutors(({ agentId }) => {
      calls += 1;
      // primary and the PREMIUM fallback fail; after approval the step runs again and succeeds.
      return calls <= 2 ? failing(agentId) : answer(agentId);
    });
    const result = await batonRun(['run', GENERIC, '--json'], {
      factory,
      tty: true,
      stdin: typedInput('y: looks transient\n'),
    });
    expect(result.stderr).toContain('Approve? y / n / s');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('succeeded');
    expect(result.stderr).toMatch(/Overall \[/);
  });

  it('Ctrl-C (the signal) cancels promptly; the run is saved as cancelled and resumes', async () => {
    const project = tempDir();
    const interrupt = new AbortController();
    let block = true;
    const { factory, calls } = scriptedExecutors(({ agentId, signal }) => {
      if (!block) return answer(agentId);
      setTimeout(() => interrupt.abort(new Error('interrupted (Ctrl-C)')), 20);
      return new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    });
    const started = Date.now();
    const cancelled = await batonRun(['run', REFACTOR, '--json'], {
      cwd: project,
      factory,
      signal: interrupt.signal,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(cancelled.code).toBe(1);
    const report = JSON.parse(cancelled.stdout);
    expect(report.status).toBe('cancelled');
    expect(report.next).toContain(`baton runs resume ${report.runId}`);
    const shown = await batonRun(['runs', 'show', report.runId, '--json'], { cwd: project });
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'cancelled', resumable: true });

    block = false;
    const resumed = await batonRun(['runs', 'resume', report.runId], { cwd: project, factory });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('SUCCEEDED');
    expect(calls.length).toBe(4); // the interrupted drafter runs again, then the other two
  });

  it('writes the event stream as JSON lines with --events-file, and to stderr with --events jsonl', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    const result = await batonRun(['run', DOCS, '--events-file', 'events.jsonl', '--json'], {
      cwd: project,
      factory,
    });
    expect(result.code).toBe(0);
    const events = readFileSync(join(project, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.some((event) => event.type === 'run-start')).toBe(true);
    expect(events.at(-1).type).toBe('run-end');
    expect(events.some((event) => event.type === 'step-usage')).toBe(true);
    expect(JSON.parse(result.stdout).eventsFile).toBe(join(project, 'events.jsonl'));

    const onStderr = await batonRun(['run', DOCS, '--events', 'jsonl', '--json'], { factory });
    const lines = onStderr.stderr.trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).type)).toContain('run-start');
    expect(JSON.parse(lines.at(-1)!).type).toBe('run-end');
    JSON.parse(onStderr.stdout);
  });

  it('--verbose prints plain progress lines on stderr when it is not a terminal', async () => {
    const { factory } = scriptedExecutors();
    const result = await batonRun(['run', DOCS, '--verbose'], { factory });
    expect(result.stderr).toMatch(/\[run \S+\] started: 2 steps/);
    expect(result.stderr).toMatch(/step documentation_writer__junior: succeeded/);
  });

  it('--dry-run shows each agent it would start and runs nothing', async () => {
    const project = tempDir();
    const { factory, calls } = scriptedExecutors();
    const result = await batonRun(['run', REFACTOR, '--dry-run'], { cwd: project, factory });
    expect(result.code).toBe(0);
    expect(calls).toHaveLength(0);
    expect(result.stdout).toContain('Dry run: nothing is executed.');
    expect(result.stdout).toMatch(
      /refactoring_specialist__drafter {2}tier CHEAP {2}on openai-compatible scripted-model {2}timeout 600s {2}max tokens 12000/,
    );
    expect(result.stdout).toMatch(
      /prompt \(\d+ chars\): You are Refactoring Specialist \(drafter\)/,
    );
    expect(result.stdout).toContain('Critical path:');
    expect(existsSync(join(project, '.baton', 'runs'))).toBe(false);

    const json = await batonRun(['run', REFACTOR, '--dry-run', '--json'], { factory });
    const document = JSON.parse(json.stdout);
    expect(document.dryRun).toBe(true);
    expect(document.agents.map((agent: { tier: string }) => agent.tier)).toEqual([
      'CHEAP',
      'CAPABLE',
      'PREMIUM',
    ]);
    expect(document.agents[0]).toMatchObject({ model: 'scripted-model', maxTokens: 12000 });
  });

  it.each([
    [['run'], 'baton: run needs a task'],
    [['run', 'x', '--max-agents', '0'], 'baton: --max-agents must be an integer >= 1'],
    [['run', 'x', '--max-cost-usd', '0'], 'baton: --max-cost-usd must be > 0'],
    [
      ['run', 'x', '--max-cost-usd', '0x10'],
      'baton: --max-cost-usd must be a number >= 0, got "0x10"',
    ],
    [['run', 'x', '--max-tokens', '1e9x'], 'baton: --max-tokens must be an integer >= 1'],
    [
      ['plan', 'x', '--context', `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`],
      'baton: --context: nested deeper than 32 levels',
    ],
    [
      ['run', 'x', '--context', `${'['.repeat(33)}${']'.repeat(33)}`],
      'baton: --context: nested deeper than 32 levels',
    ],
    [['templates', 'list', 'extra'], 'baton: unexpected argument "extra"'],
    [['run', 'x', '--events-file', '.'], 'baton: --events-file .: is a folder'],
    [
      ['run', 'x', '--events-file', 'missing/events.jsonl'],
      'baton: --events-file missing/events.jsonl: the folder ',
    ],
    [['run', 'x', '--concurrency', 'two'], 'baton: --concurrency must be an integer >= 1'],
    [['run', 'x', '--events', 'xml'], 'baton: --events must be "jsonl"'],
    [['run', 'x', '--worktree'], 'baton: --worktree: needs agent CLIs (agentCli)'],
    [['run', 'x', '--agent-cli', 'vim'], 'baton: --agent-cli: unknown agent CLI "vim"'],
    [['runs', 'show'], 'baton: runs show needs a run id'],
    [['runs', 'show', 'nope'], 'baton: no run "nope"'],
    [['runs', 'resume', '../x'], 'baton: runId: "../x" is not a valid run id'],
    [['runs', 'frob'], 'baton: runs frob needs a run id'],
    [['decisions', 'approve'], 'baton: decisions approve needs a decision id'],
    [['decisions', 'approve', 'd-0123456789'], 'baton: No decision "d-0123456789"'],
    [['decisions', 'reject', 'nope'], 'baton: id: "nope" is not a decision id'],
  ])('bad usage %j exits 2 with one line', async (argv, message) => {
    const { factory } = scriptedExecutors();
    const result = await batonRun(argv, { factory });
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a chain configured in BATON_AGENT_CLI runs the agents on CLIs; --agent-cli wins over it', async () => {
    const { bin } = fakeCliDirectory({ codex: { kind: 'codex-ok', message: 'x' } });
    const { factory, setups } = scriptedExecutors();
    const env = { ...SCRIPTED_ENV, PATH: bin, BATON_AGENT_CLI: 'codex' };
    expect((await batonRun(['run', DOCS], { factory, env })).code).toBe(0);
    expect(setups[0]).toMatchObject({ kind: 'agent-cli', chain: ['codex'] });
    const missing = await batonRun(['run', DOCS, '--agent-cli', 'claude'], { factory, env });
    expect(missing.stderr).toMatch(/^baton: agent CLIs claude: claude not found on PATH/);
  });

  it.each([
    [
      { agentCli: { timeoutSeconds: 'soon' } },
      'baton: baton.config.json agentCli.timeoutSeconds: ',
    ],
    [
      { agentCli: { chain: ['vim'] } },
      'baton: baton.config.json agentCli.chain: unknown agent CLI',
    ],
    [
      { model: { provider: 'openai', models: { CHEAP: 3 } } },
      'baton: baton.config.json model.models.CHEAP: ',
    ],
    [
      { qualityGates: { min_coverage: '80' } },
      'baton: baton.config.json qualityGates: unknown section (the file may hold $schema, agentCli,',
    ],
  ])(
    'a bad baton.config.json section %j names the file and field, exit 2',
    async (config, message) => {
      const project = tempDir();
      writeFileSync(join(project, 'baton.config.json'), JSON.stringify(config));
      const result = await batonRun(['run', DOCS], {
        cwd: project,
        env: { OPENAI_API_KEY: 'k', PATH: '' },
      });
      expect(result.code).toBe(2);
      expect(result.stderr.startsWith(message)).toBe(true);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    },
  );

  it('missing model configuration is one line, exit 2, saying what to set', async () => {
    const result = await batonRun(['run', DOCS], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^baton: No model provider configured: set ANTHROPIC_API_KEY/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    const key = await batonRun(['run', DOCS], { env: { BATON_PROVIDER: 'anthropic' } });
    expect(key.stderr).toBe(
      'baton: ANTHROPIC_API_KEY is not set: export it to use the anthropic provider, or choose another with BATON_PROVIDER\n',
    );
  });
});

describe('baton runs', { timeout: 20_000 }, () => {
  it('lists runs, shows one, prints its logs and cancels a paused run', async () => {
    const project = tempDir();
    const empty = await batonRun(['runs', 'list'], { cwd: project });
    expect(empty.stdout).toContain('No runs yet');
    const { factory } = scriptedExecutors(({ agentId }) => failing(agentId));
    const paused = JSON.parse(
      (await batonRun(['run', GENERIC, '--json'], { cwd: project, factory })).stdout,
    );

    const listed = await batonRun(['runs', 'list'], { cwd: project });
    expect(listed.stdout).toMatch(
      new RegExp(`${paused.runId}\\s+paused \\(resumable\\)\\s+0/1 0%\\s+sequential`),
    );
    const json = JSON.parse((await batonRun(['runs', 'list', '--json'], { cwd: project })).stdout);
    expect(json).toHaveLength(1);

    const shown = await batonRun(['runs', 'show', paused.runId], { cwd: project });
    expect(shown.stdout).toContain(`Run ${paused.runId}: paused, resumable`);
    expect(shown.stdout).toMatch(
      /code_reviewer\s+awaiting decision\s+PREMIUM\s+2\s+\d+\.\ds\s+unknown\s+unknown/,
    );
    expect(shown.stdout).toMatch(/d-[0-9a-f]+ {2}pending {2}escalation/);

    const logs = await batonRun(['runs', 'logs', paused.runId], { cwd: project });
    expect(logs.stdout).toMatch(/started: 1 steps/);
    expect(logs.stdout).toMatch(/decision d-[0-9a-f]+ pending/);

    const cancelled = await batonRun(['runs', 'cancel', paused.runId, '--json'], { cwd: project });
    expect(JSON.parse(cancelled.stdout)).toMatchObject({
      runId: paused.runId,
      status: 'cancelled',
    });
    const statuses = await batonRun(['runs', 'list', '--status', 'cancelled', '--json'], {
      cwd: project,
    });
    expect(JSON.parse(statuses.stdout)).toHaveLength(1);
  });
});

describe('baton plan --graph', () => {
  it('shows the compiled task graph with levels and the critical path', async () => {
    const result = await batonRun(['plan', REFACTOR, '--graph']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Strategy: refinement');
    expect(result.stdout).toContain('Task graph: 3 steps in 3 levels (strategy refinement)');
    expect(result.stdout).toMatch(
      /Level 2\n {2}refactoring_specialist__reviewer {2}\[agent refactoring_specialist__reviewer CAPABLE, ~600s/,
    );
    expect(result.stdout).toContain(
      'Critical path: refactoring_specialist__drafter -> refactoring_specialist__reviewer -> refactoring_specialist__polisher (~1800s)',
    );
    const json = JSON.parse((await batonRun(['plan', REFACTOR, '--graph', '--json'])).stdout);
    expect(json.graph.steps.map((step: { id: string }) => step.id)).toEqual([
      'refactoring_specialist__drafter',
      'refactoring_specialist__reviewer',
      'refactoring_specialist__polisher',
    ]);
    // The levels and critical path the text shows are in the JSON too.
    expect(json.graphSummary).toEqual({
      order: [
        'refactoring_specialist__drafter',
        'refactoring_specialist__reviewer',
        'refactoring_specialist__polisher',
      ],
      levels: [
        ['refactoring_specialist__drafter'],
        ['refactoring_specialist__reviewer'],
        ['refactoring_specialist__polisher'],
      ],
      criticalPath: {
        steps: [
          'refactoring_specialist__drafter',
          'refactoring_specialist__reviewer',
          'refactoring_specialist__polisher',
        ],
        durationSeconds: 1800,
      },
    });
    const plain = JSON.parse((await batonRun(['plan', REFACTOR, '--json'])).stdout);
    expect(plain.graph).toBeUndefined();
  });
});

describe('baton runs logs --follow', () => {
  it('follows a finished run to its end, and refuses --json', async () => {
    const project = tempDir();
    const { factory } = scriptedExecutors();
    const report = JSON.parse(
      (await batonRun(['run', DOCS, '--json'], { cwd: project, factory })).stdout,
    );
    const followed = await batonRun(['runs', 'logs', report.runId, '--follow'], { cwd: project });
    expect(followed.code).toBe(0);
    expect(followed.stdout.trim().split('\n').at(-1)).toMatch(/succeeded after/);
    const json = await batonRun(['runs', 'logs', report.runId, '--follow', '--json'], {
      cwd: project,
    });
    expect(json.code).toBe(2);
  });
});

describe('README', { timeout: 20_000 }, () => {
  it('shows only commands and flags the CLI knows', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/^baton (\w+)(?: (\w[\w-]*))?/gm)];
    expect(examples.length).toBeGreaterThan(15);
    for (const [, command, action] of examples) {
      const help = await batonRun([command!, '--help']);
      expect(help.code, `baton ${command}`).toBe(0);
      if (
        action !== undefined &&
        /^(list|show|logs|resume|cancel|approve|reject|delete|release-prep)$/.test(action)
      ) {
        expect(help.stdout, `baton ${command} ${action}`).toContain(action);
      }
    }
    for (const [, flag] of readme.matchAll(/`(--[a-z-]+)/g)) {
      const known = await Promise.all(
        ['run', 'runs', 'decisions', 'plan', 'orchestrate', 'compositions', 'worker', 'serve'].map(
          async (command) => (await batonRun([command, '--help'])).stdout,
        ),
      );
      expect(known.join('\n'), flag).toContain(flag!);
    }
  });
});
