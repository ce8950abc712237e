import { renderGraph } from '@baton/runtime';
import { budgetOf, type PreparedRun, REDIS_URL_VARIABLE } from '@baton/sdk';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { type CliIo, ExitCode, UsageError, writeJson, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import { outputFile } from '../report-output.js';
import { formatRunReport } from '../run/format-report.js';
import { openBaton, presentRun } from '../run/session.js';
import { parseContext } from './plan.js';

const usage = [
  'Usage: baton run "<task>" [options]',
  '',
  'Analyses the task, chooses among the candidate compositions of its kind of task (the team,',
  'one tier down or up, other strategies) with a bandit policy on their measured outcomes,',
  'and runs the agents on a model provider or coding-agent CLIs, checkpointed under',
  '.baton/runs/<id>/ so it can be resumed. Prints what each agent did, measured tokens and cost.',
  '',
  'Options:',
  '  --path DIR              the project (agents read it; state goes to DIR/.baton) (default: .)',
  '  --context JSON          extra context, e.g. {"qualityGates":{"min_coverage":90}}',
  '  --agent-cli a,b         run agents with coding-agent CLIs (claude, codex, gemini, cursor),',
  '                          falling back along the list; default: the chain in BATON_AGENT_CLI',
  '                          or baton.config.json "agentCli", else the model provider',
  '  --worktree              with --agent-cli: one git worktree and branch per agent',
  '  --validate "CMD"        with --agent-cli: run CMD after each agent; its exit status decides',
  '  --max-cost-usd N        stop before a step could take spending above N US dollars',
  '  --max-tokens N          stop before a step could take token use above N',
  '  --max-agents N          start at most N agent runs (fallbacks count, retries do not)',
  '  --concurrency N         most steps running at once (default 4)',
  '  --fresh                 compose a new team even when a proven one is stored',
  '  --composition ID        run this stored composition (the bandit policy is not consulted)',
  "  --seed N                seed the policy's random draws (the same records give the same choice)",
  '  --judge                 grade the answer with a judge model (CAPABLE tier, rubric; its cost counted)',
  "  --decompose             let the model provider's CAPABLE model split the task into",
  '                          subtasks (JSON, checked for schema and cycles); without a model,',
  '                          or when its graph is invalid, the composed team runs and the',
  '                          audit log and report say why',
  '  --queue                 hand the agent calls to `baton worker` processes through the queue',
  '                          at BATON_REDIS_URL (required); run state in BATON_DATABASE_URL',
  '                          when set. With BATON_REDIS_URL set, runs queue even without it',
  '  --dry-run               show the agents it would start, then exit without running',
  '  --events jsonl          write the event stream as JSON lines (to stderr, or --events-file)',
  '  --events-file PATH      write the event stream as JSON lines to PATH',
  '  --no-prompt             never ask on the terminal; pending decisions stay pending',
  '  --no-escalate           a step that fails after retries and fallbacks fails the run',
  '                          (default: it waits for a person: baton decisions approve|reject)',
  '  --json                  print the report as one JSON document on stdout',
  '  --verbose               progress lines on stderr even when it is not a terminal',
  '',
  'Model provider: ANTHROPIC_API_KEY, OPENAI_API_KEY, or BATON_PROVIDER=openai-compatible with',
  'BATON_BASE_URL and BATON_MODEL (or a "model" section in baton.config.json).',
  'Exit codes: 0 the run succeeded, 1 it ran and failed, was cancelled (Ctrl-C), paused for a',
  'decision or stopped by a budget, 2 bad usage or missing setup.',
].join('\n');

/** `baton run "<task>"`: compose or reuse a team, run it on the runtime, report measured usage. */
export const runCommand: Command = {
  name: 'run',
  usage,
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      path: { type: 'string' },
      context: { type: 'string' },
      'agent-cli': { type: 'string' },
      worktree: { type: 'boolean' },
      validate: { type: 'string' },
      'max-cost-usd': { type: 'string' },
      'max-tokens': { type: 'string' },
      'max-agents': { type: 'string' },
      concurrency: { type: 'string' },
      fresh: { type: 'boolean' },
      composition: { type: 'string' },
      seed: { type: 'string' },
      judge: { type: 'boolean' },
      decompose: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      queue: { type: 'boolean' },
      events: { type: 'string' },
      'events-file': { type: 'string' },
      'no-prompt': { type: 'boolean' },
      'no-escalate': { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
    });
    const task = positionals.join(' ').trim();
    if (task === '') throw new UsageError('run needs a task, e.g. baton run "review the API"');
    const context = parseContext(values.context);
    const maxCostUsd = numberFlag('max-cost-usd', values['max-cost-usd'], { min: 0 });
    if (maxCostUsd === 0) throw new UsageError('--max-cost-usd must be > 0');
    const maxTokens = numberFlag('max-tokens', values['max-tokens'], { min: 1, integer: true });
    const maxAgents = numberFlag('max-agents', values['max-agents'], { min: 1, integer: true });
    const concurrency = numberFlag('concurrency', values.concurrency, { min: 1, integer: true });
    if (values.events !== undefined && values.events !== 'jsonl') {
      throw new UsageError(`--events must be "jsonl", got "${values.events}"`);
    }
    if (values.queue === true && (io.env[REDIS_URL_VARIABLE] ?? '').trim() === '') {
      throw new UsageError(
        `--queue needs ${REDIS_URL_VARIABLE}, the Redis the workers listen on (e.g. ${REDIS_URL_VARIABLE}=redis://127.0.0.1:6379)`,
      );
    }
    const project = resolveProjectDir(io.cwd, values.path);
    const eventsFile = outputFile(io, '--events-file', values['events-file']);
    const session = openBaton(io, cli, project, { verbose: values.verbose === true });
    // --agent-cli wins; else a chain configured in BATON_AGENT_CLI or baton.config.json
    // ("agentCli.chain") selects the CLIs; else the model provider runs the agents.
    const runOptions = {
      agentCli: values['agent-cli'],
      worktree: values.worktree,
      validate: values.validate,
      context,
      budget: budgetOf({ maxCostUsd, maxTokens, maxAgents }),
      concurrency,
      fresh: values.fresh === true,
      compositionId: values.composition,
      seed: numberFlag('seed', values.seed, { min: 0, integer: true }),
      judge: values.judge === true,
      decompose: values.decompose === true,
      escalate: values['no-escalate'] !== true,
    };
    const prepared = await session.baton.prepare(task, runOptions);
    if (values['dry-run'] === true) return dryRun(io, prepared, values.json === true);
    const { report, exitCode } = await presentRun(io, cli, session, {
      graph: prepared.graph,
      presentation: {
        verbose: values.verbose === true,
        eventsJsonl: values.events === 'jsonl' || eventsFile !== undefined,
        eventsFile,
        prompt: values['no-prompt'] !== true,
      },
      start: (steer) => session.baton.start(prepared, { ...runOptions, ...steer }),
    });
    if (values.json === true) writeJson(io, report);
    else writeLine(io.stdout, formatRunReport(report));
    return exitCode;
  },
};

function dryRun(io: CliIo, prepared: PreparedRun, json: boolean): ExitCode {
  const { composition, plan, executor, graph, task } = prepared;
  if (json) {
    writeJson(io, {
      dryRun: true,
      task,
      composition: {
        decision: composition.decision,
        reason: composition.reason,
        compositionId: composition.compositionId,
        taskPattern: composition.taskPattern,
        strategy: composition.strategy,
      },
      plan,
      executor,
      budget: prepared.budget,
      agents: prepared.agents,
      graph,
    });
    return ExitCode.OK;
  }
  const lines = [
    `Dry run: nothing is executed.`,
    `Task: ${task}`,
    plan?.source === 'planner-model'
      ? `Plan: planner model (${plan.reason})`
      : `Composition: ${composition.decision} ${composition.compositionId} (${composition.reason})${plan === null ? '' : `\nPlan: heuristic (${plan.reason})`}`,
    `Executor: ${describeExecutor(executor)}`,
    '',
    'Agents it would start:',
  ];
  for (const launch of prepared.agents) {
    lines.push(
      `  ${launch.agentId}  tier ${launch.tier ?? 'unknown'}  on ${launch.runsOn}  timeout ${launch.timeoutSeconds ?? 'default'}s  max tokens ${launch.maxTokens ?? 'unlimited'}`,
      `    prompt (${launch.promptChars} chars): ${launch.promptPreview}`,
    );
  }
  lines.push('', renderGraph(graph));
  writeLine(io.stdout, lines.join('\n'));
  return ExitCode.OK;
}

/** The executor line of a dry run. */
function describeExecutor(executor: Record<string, unknown>): string {
  if (executor.kind === 'model') {
    return `model provider ${String(executor.provider)}${executor.baseURL ? ` at ${String(executor.baseURL)}` : ''}`;
  }
  if (executor.kind === 'agent-cli') {
    const chain = executor.chain as string[];
    return `agent CLIs ${chain.join(' -> ')}${executor.worktree ? ', one worktree per agent' : ''}${executor.validate ? `, validated by: ${String(executor.validate)}` : ''}`;
  }
  return 'the executor given to createBaton';
}
