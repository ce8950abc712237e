// Does Baton's learning pay? Success rate and measured cost of 100 task runs per policy, in a
// SCRIPTED environment: the "model" is a local server whose answers pass the task's validate
// command with a fixed probability per tier and task kind (printed below), decided by a seeded
// draw. Nothing here measures a real model's quality; it measures what each policy makes of a
// world with these odds.
//
// How a run goes (everything from `createBaton().run()` on is Baton's real code path):
// - Baton runs each agent with the `claude` agent CLI (`agentCli: 'claude'`, one git worktree per
//   agent, `validate`): Baton's `validate` needs an agent CLI, which works in the project and is
//   judged by a command afterwards (`createBaton` refuses it with the model executor, whose
//   agents only read). The `claude` on PATH here is a stand-in written by this script:
//   it sends the prompt Baton built to the local server in the Anthropic Messages protocol (as
//   claude does with ANTHROPIC_BASE_URL), asking for the model Baton chose for the agent's tier
//   (`--model haiku | sonnet | opus`), writes the answer into its worktree, and prints claude's
//   JSON result with the tokens the server reported and no cost of its own, so that Baton prices
//   the tokens with its own price table.
// - The validate command (`grep` for the marker `bench-check: pass` in the answer file) decides
//   each agent's success; Baton's tier fallbacks, strategies and quality scorers do the rest.
// - The server's draw for an answer depends on the seed, the run's number, the agent, the model
//   and how many times that agent asked that model in the run, or (see SHARED) on the run's
//   difficulty alone: every policy meets the same luck for the same question (common random
//   numbers), and a run is reproducible from its seed.
//
// Policies (each in its own temporary project with its own .baton store, 100 runs one after
// another, the policies at the same time):
// - always CHEAP / always PREMIUM: the composed team with every tier mapped to the CHEAP model
//   (haiku) / the PREMIUM model (opus) in baton.config.json (`agentCli.models.claude`), `fresh`.
// - fixed composition: the team the meta-orchestrator composes, default tier models, `fresh`
//   every time (no learning: the seeds' behaviour).
// - Baton's policy: no `fresh`; the bandit policy of @baton/config-store chooses among the stored
//   candidate compositions of each task pattern, learning across the 100 runs (`seed` per run).
// - one PREMIUM agent, for context only: each task pattern's single-agent candidate, every tier on
//   the PREMIUM model (`compositionId`): what a user who skips the team would pay.
//
// Target (issue 13): Baton's success within 2 points of always-PREMIUM at <= 60% of its cost.
//
// Environment: BATON_BENCH_SEED (default 2026), BATON_BENCH_RUNS (default 100),
// BATON_BENCH_SHARED (default 0.7, see SHARED).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { priceUsage } from '@baton/core';
import { createBaton } from '@baton/sdk';

const SEED = Number(process.env.BATON_BENCH_SEED ?? 2026);
const RUNS = Number(process.env.BATON_BENCH_RUNS ?? 100);
/**
 * How much the answers of one run share its task's difficulty: an answer's draw is the run's own
 * draw (its difficulty, the same for every answer of the run) with this probability, else a draw
 * of its own. Each answer still passes with the probability in the table, but a failed cheap
 * answer makes a failed dearer answer, and a failed retry, likelier, as with a real task that is
 * harder than most. 0 makes every answer an independent draw.
 */
const SHARED = Number(process.env.BATON_BENCH_SHARED ?? 0.7);

/** The claude CLI's model per tier in Baton (`AGENT_CLI_SPECS.claude.defaultModels`). */
const TIER_OF_MODEL = { haiku: 'CHEAP', sonnet: 'CAPABLE', opus: 'PREMIUM' };

/**
 * The task kinds: the task text Baton analyses, the probability that an answer of each tier
 * passes the validate command, and the tokens an answer takes (input: the prompt Baton built plus
 * the files a coding agent reads, output: its patch and answer), each drawn +-30%.
 */
const KINDS = [
  {
    kind: 'docs (easy)',
    task: 'update the API documentation',
    pass: { CHEAP: 0.9, CAPABLE: 0.96, PREMIUM: 0.98 },
    readTokens: 6000,
    outputTokens: 700,
  },
  {
    kind: 'test fix (moderate)',
    task: 'fix the failing date parser unit test',
    pass: { CHEAP: 0.55, CAPABLE: 0.88, PREMIUM: 0.95 },
    readTokens: 12000,
    outputTokens: 1200,
  },
  {
    kind: 'refactor (hard)',
    task: 'refactor the payment module for thread safety across services',
    pass: { CHEAP: 0.2, CAPABLE: 0.6, PREMIUM: 0.92 },
    readTokens: 20000,
    outputTokens: 2500,
  },
];

const POLICIES = [
  { name: 'always CHEAP', models: 'haiku', fresh: true },
  { name: 'always PREMIUM', models: 'opus', fresh: true },
  { name: 'fixed composition (fresh)', fresh: true },
  { name: "Baton's policy (learning)", fresh: false },
  // For context, not part of the target: one agent instead of the composed team, every call on
  // the PREMIUM model (the single-agent candidate of each task pattern, run by its id).
  { name: 'one PREMIUM agent (context)', models: 'opus', singleAgent: true },
];
const PREMIUM = 1;
const LEARNING = 3;

/** A uniform number in [0, 1) from the words of a key: the same key, the same number. */
function uniform(...words) {
  const digest = createHash('sha256').update(words.join('|')).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** The kind of each run: every kind equally often, in a seeded order. */
function runKinds() {
  const kinds = Array.from({ length: RUNS }, (_, index) => index % KINDS.length);
  return kinds
    .map((kind, index) => ({ kind, key: uniform(SEED, 'order', index) }))
    .sort((left, right) => left.key - right.key)
    .map(({ kind }) => kind);
}

/** The scripted model server: Anthropic Messages API on 127.0.0.1. */
function startModelServer() {
  const asked = new Map(); // policy|run|agent|model -> times asked
  const calls = new Map(); // policy -> model -> { calls, passed, costUsd }
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const reply = (status, value) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (request.method !== 'POST' || request.url !== '/v1/messages') {
        return reply(404, { type: 'error', error: { type: 'not_found_error', message: 'no' } });
      }
      const message = JSON.parse(body);
      const prompt = message.messages.map((item) => item.content).join('\n');
      const tier = TIER_OF_MODEL[message.model];
      const spec = KINDS.find((kind) => prompt.includes(kind.task));
      const agent = /agent id "([^"]+)"/.exec(prompt)?.[1];
      if (tier === undefined || spec === undefined || agent === undefined) {
        return reply(400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'unknown model, task or agent' },
        });
      }
      const policy = request.headers['x-bench-policy'];
      const run = request.headers['x-bench-run'];
      const key = `${policy}|${run}|${agent}|${message.model}`;
      const occurrence = (asked.get(key) ?? 0) + 1;
      asked.set(key, occurrence);
      const draw = (what) => uniform(SEED, run, agent, message.model, occurrence, what);
      // The run's difficulty (shared by every answer of the run), or this answer's own luck.
      const luck = draw('shared') < SHARED ? uniform(SEED, run, 'difficulty') : draw('pass');
      const passed = luck < spec.pass[tier];
      const spread = (tokens, what) => Math.round(tokens * (0.7 + 0.6 * draw(what)));
      const confidence = Math.round((0.6 + 0.35 * draw('confidence')) * 100) / 100;
      const usage = {
        input_tokens: Math.ceil(prompt.length / 4) + spread(spec.readTokens, 'input'),
        output_tokens: spread(spec.outputTokens, 'output'),
      };
      const tally = calls.get(policy) ?? {};
      tally[message.model] ??= { calls: 0, passed: 0, costUsd: 0 };
      tally[message.model].calls += 1;
      tally[message.model].passed += passed ? 1 : 0;
      tally[message.model].costUsd += priceUsage({
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        model: message.model,
      }).costUsd;
      calls.set(policy, tally);
      const answer = {
        summary: `${agent} worked on: ${spec.task}. bench-check: ${passed ? 'pass' : 'fail'}`,
        findings: [],
        recommendations: [],
        confidence,
      };
      reply(200, {
        id: `msg_${run}_${occurrence}`,
        type: 'message',
        role: 'assistant',
        model: `claude-${message.model}-4-5`,
        content: [{ type: 'text', text: JSON.stringify(answer) }],
        stop_reason: 'end_turn',
        usage,
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, calls, port: server.address().port }));
  });
}

/** The stand-in `claude`: relays Baton's prompt to the model server, as claude -p would. */
function writeFakeClaude(bin) {
  const script = `#!${process.execPath}
const { writeFileSync } = require('node:fs');
const args = process.argv.slice(2);
const model = args[args.indexOf('--model') + 1];
let prompt = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { prompt += chunk; });
process.stdin.on('end', async () => {
  const response = await fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'bench',
      'x-bench-policy': process.env.BATON_BENCH_POLICY,
      'x-bench-run': process.env.BATON_BENCH_RUN,
    },
    body: JSON.stringify({ model, max_tokens: 4096, messages: [{ role: 'user', content: prompt }] }),
  });
  const message = await response.json();
  if (!response.ok) {
    process.stdout.write(JSON.stringify({ type: 'result', subtype: 'error', is_error: true, result: message.error.message, api_error_status: response.status }));
    process.exit(1);
  }
  const text = message.content.map((part) => part.text).join('');
  writeFileSync('bench-answer.md', text + '\\n');
  process.stdout.write(JSON.stringify({
    type: 'result', subtype: 'success', is_error: false, result: text,
    usage: message.usage, modelUsage: { [message.model]: {} },
  }));
});
`;
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'claude'), script);
  chmodSync(join(bin, 'claude'), 0o755);
}

/** A git project for one policy, with its baton.config.json. */
function makeProject(root, policy) {
  const dir = join(root, policy.name.replace(/[^a-z]+/gi, '-').toLowerCase());
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.gitignore'), '.baton/\n');
  writeFileSync(join(dir, 'README.md'), '# a project for the learning benchmark\n');
  const agentCli =
    policy.models === undefined
      ? { chain: ['claude'] }
      : {
          chain: ['claude'],
          models: {
            claude: { CHEAP: policy.models, CAPABLE: policy.models, PREMIUM: policy.models },
          },
        };
  writeFileSync(join(dir, 'baton.config.json'), `${JSON.stringify({ agentCli }, null, 2)}\n`);
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'bench@localhost',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'bench@localhost',
      },
    });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return dir;
}

const TIER_RANK = { CHEAP: 0, CAPABLE: 1, PREMIUM: 2 };

/**
 * The single-agent candidate of each kind's task pattern (the highest tier one, so that the
 * fewest tier fallbacks repeat the same model), registered in the store by a dry run.
 */
async function singleAgentCompositions(baton) {
  const ids = [];
  for (const spec of KINDS) {
    const prepared = await baton.prepare(spec.task);
    const { compositions } = await baton.compositions.list({
      taskPattern: prepared.composition.taskPattern,
    });
    const [single] = compositions
      .filter((composition) => composition.agents.length === 1)
      .sort((left, right) => TIER_RANK[right.agents[0].tier] - TIER_RANK[left.agents[0].tier]);
    if (single === undefined) throw new Error(`no single-agent candidate for "${spec.task}"`);
    ids.push(single.id);
  }
  return ids;
}

async function runPolicy(policy, { root, bin, port, kinds }) {
  const projectDir = makeProject(root, policy);
  const batonFor = (run) =>
    createBaton({
      projectDir,
      agentCli: 'claude',
      worktree: true,
      validate: "grep -q 'bench-check: pass' bench-answer.md",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
        BATON_BENCH_POLICY: policy.name,
        BATON_BENCH_RUN: run,
      },
    });
  const single = policy.singleAgent ? await singleAgentCompositions(batonFor('prepare')) : [];
  const results = [];
  for (let index = 0; index < RUNS; index += 1) {
    const spec = KINDS[kinds[index]];
    const baton = batonFor(String(index));
    const choice = policy.singleAgent
      ? { compositionId: single[kinds[index]] }
      : policy.fresh
        ? { fresh: true }
        : { seed: `${SEED}:${index}` };
    const handle = await baton.run(spec.task, { escalate: false, ...choice });
    const report = await handle.result;
    await baton.close();
    results.push({
      kind: kinds[index],
      success: report.success,
      costUsd: report.totals.costUsd,
      pricedCostUsd: report.totals.pricedCostUsd,
      compositionId: report.composition?.compositionId,
      basis: report.composition?.basis,
    });
  }
  // What each stored composition is (the learning policy's candidates), to name them below.
  const { compositions } = await batonFor('list').compositions.list();
  const described = new Map(
    compositions.map((composition) => [
      composition.id,
      `${composition.strategy} ${composition.agents.map((agent) => agent.tier).join('+')} (${composition.variant?.description ?? 'stored'})`,
    ]),
  );
  return { results, described };
}

const usd = (value) => `$${value.toFixed(3)}`;
const percent = (value) => `${(value * 100).toFixed(1)}%`;

const root = mkdtempSync(join(tmpdir(), 'baton-bench-learning-'));
const { server, calls, port } = await startModelServer();
try {
  const bin = join(root, 'bin');
  writeFakeClaude(bin);
  const kinds = runKinds();
  console.log(
    `SCRIPTED ENVIRONMENT: a local model server (Anthropic Messages API on 127.0.0.1:${port}) answers;`,
  );
  console.log(
    'whether an answer passes the validate command is a seeded draw with these probabilities:\n',
  );
  console.log('| task kind | task | CHEAP (haiku) | CAPABLE (sonnet) | PREMIUM (opus) |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const spec of KINDS) {
    console.log(
      `| ${spec.kind} | ${spec.task} | ${spec.pass.CHEAP} | ${spec.pass.CAPABLE} | ${spec.pass.PREMIUM} |`,
    );
  }
  console.log(
    `\nThe answers of one run share its task's difficulty: an answer's draw is the run's difficulty with probability ${SHARED}, else its own (each answer still passes with the probability above). An answer takes the prompt's tokens plus a kind's file reading (${KINDS.map((spec) => spec.readTokens).join(' / ')} input tokens) and ${KINDS.map((spec) => spec.outputTokens).join(' / ')} output tokens, each +-30%; Baton prices them with its table (haiku $1/$5, sonnet $3/$15, opus $5/$25 per million in/out).`,
  );
  console.log(
    `\nseed ${SEED}, ${RUNS} runs per policy (${KINDS.map((spec, index) => `${kinds.filter((kind) => kind === index).length} ${spec.kind}`).join(', ')}), ${availableParallelism()} cores, Node ${process.versions.node}\n`,
  );
  const started = performance.now();
  const outcomes = await Promise.all(
    POLICIES.map((policy) => runPolicy(policy, { root, bin, port, kinds })),
  );
  const seconds = (performance.now() - started) / 1000;

  const results = outcomes.map((outcome) => outcome.results);
  const rate = (list) => list.filter((result) => result.success).length / list.length;
  const cost = (list) => list.reduce((sum, result) => sum + result.pricedCostUsd, 0);
  const premium = results[PREMIUM];
  const learning = results[LEARNING];
  console.log(
    '| policy | success | total measured cost | cost vs always-PREMIUM | runs with unknown cost |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  POLICIES.forEach((policy, index) => {
    const list = results[index];
    const unknown = list.filter((result) => result.costUsd === null).length;
    console.log(
      `| ${policy.name} | ${percent(rate(list))} | ${usd(cost(list))} | ${percent(cost(list) / cost(premium))} | ${unknown} |`,
    );
  });
  console.log('\nper task kind (success, measured cost):');
  POLICIES.forEach((policy, index) => {
    const parts = KINDS.map((spec, kind) => {
      const list = results[index].filter((result) => result.kind === kind);
      return `${spec.kind} ${percent(rate(list))} ${usd(cost(list))}`;
    });
    console.log(`  ${policy.name}: ${parts.join('; ')}`);
  });
  console.log(
    '\nmodel calls (answers that pass / calls) and their cost at the price table, as the server counted them:',
  );
  POLICIES.forEach((policy, index) => {
    const tally = Object.entries(calls.get(policy.name) ?? {});
    const total = tally.reduce((sum, [, count]) => sum + count.costUsd, 0);
    console.log(
      `  ${policy.name}: ${tally.map(([model, count]) => `${model} ${count.passed}/${count.calls}`).join(', ')}; ${usd(total)} (Baton measured ${usd(cost(results[index]))})`,
    );
  });
  const bases = new Map();
  for (const result of learning) bases.set(result.basis, (bases.get(result.basis) ?? 0) + 1);
  console.log(
    `\nBaton's policy, how each run's team was chosen: ${[...bases].map(([basis, count]) => `${basis} ${count}`).join(', ')}`,
  );
  console.log('compositions run (successes/runs):');
  const { described } = outcomes[LEARNING];
  KINDS.forEach((spec, kind) => {
    const runs = new Map();
    for (const result of learning.filter((item) => item.kind === kind)) {
      const entry = runs.get(result.compositionId) ?? { runs: 0, successes: 0 };
      entry.runs += 1;
      entry.successes += result.success ? 1 : 0;
      runs.set(result.compositionId, entry);
    }
    console.log(`  ${spec.kind}:`);
    for (const [id, entry] of [...runs].sort((left, right) => right[1].runs - left[1].runs)) {
      console.log(`    ${entry.successes}/${entry.runs}  ${described.get(id) ?? id}`);
    }
  });
  // In whole runs, so that 98 of 100 against 100 of 100 is exactly 2 points.
  const successes = (list) => list.filter((result) => result.success).length;
  const gap = ((successes(premium) - successes(learning)) * 100) / RUNS;
  const ratio = cost(learning) / cost(premium);
  const holds = (successes(premium) - successes(learning)) * 100 <= 2 * RUNS && ratio <= 0.6;
  console.log(
    `\ntarget (Baton's policy: success within 2 points of always-PREMIUM at <= 60% of its cost): ${holds ? 'HOLDS' : 'MISSED'} (${Math.abs(gap)} point${Math.abs(gap) === 1 ? '' : 's'} ${gap > 0 ? 'below' : 'above'}, ${percent(ratio)} of the cost)`,
  );
  console.log(`wall time ${seconds.toFixed(1)} s, load ${loadavg()[0].toFixed(2)}`);
} finally {
  server.close();
  rmSync(root, { recursive: true, force: true });
}
