import { resolve } from 'node:path';
import { resolveCliConfig } from '@baton/executors';
import { compilePlan, newRunId, renderGraph } from '@baton/runtime';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import {
  type CliIo,
  createStderrLogger,
  ExitCode,
  UsageError,
  writeJson,
  writeLine,
} from '../io.js';
import { batonDir, resolveProjectDir } from '../project.js';
import { chooseRunComposition, openCompositionStore } from '../run/composition.js';
import { decomposeTask, type PlanChoice } from '../run/decompose.js';
import { executeRun, type RunComposition } from '../run/execute.js';
import {
  describeLaunch,
  type ExecutorSetup,
  executorSpecFromFlags,
  resolveExecutorSetup,
} from '../run/executor-setup.js';
import { formatRunReport } from '../run/report.js';
import { parseContext } from './plan.js';

const usage = [
  'Usage: baton run "<task>" [options]',
  '',
  'Analyses the task, reuses a proven composition for its kind of task (or composes a team),',
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
  "  --decompose             let the model provider's CAPABLE model split the task into",
  '                          subtasks (JSON, checked for schema and cycles); without a model,',
  '                          or when its graph is invalid, the composed team runs and the',
  '                          audit log and report say why',
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
      decompose: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
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
    const project = resolveProjectDir(io.cwd, values.path);
    const eventsFile =
      values['events-file'] === undefined ? undefined : resolve(io.cwd, values['events-file']);
    // --agent-cli wins; else a chain configured in BATON_AGENT_CLI or baton.config.json
    // ("agentCli.chain") selects the CLIs; else the model provider runs the agents.
    const configuredChain =
      values['agent-cli'] === undefined
        ? resolveCliConfig({ env: io.env, projectRoot: project }).chain
        : undefined;
    const spec = executorSpecFromFlags({
      agentCli: values['agent-cli'] ?? configuredChain?.join(','),
      worktree: values.worktree,
      validate: values.validate,
    });
    const setup = await resolveExecutorSetup(spec, { projectRoot: project, env: io.env });
    const logger = createStderrLogger(io, values.verbose === true);
    const batonDirectory = batonDir(project);
    const chosen = await chooseRunComposition({
      task,
      context,
      store: openCompositionStore(batonDirectory),
      logger,
      fresh: values.fresh === true,
      signal: cli.signal,
    });
    const heuristic = compilePlan(
      { strategy: chosen.strategy, agents: chosen.agents },
      { task: chosen.task },
    );
    let graph = heuristic;
    let plan: PlanChoice | undefined;
    if (values.decompose === true) {
      const decomposed = await decomposeTask({
        task: chosen.task,
        heuristic: () => heuristic,
        modelConfig: setup.kind === 'model' ? setup.config : undefined,
        projectRoot: project,
        env: io.env,
        logger,
        signal: cli.signal,
      });
      graph = decomposed.graph;
      plan = { source: decomposed.source, reason: decomposed.reason, planner: decomposed.planner };
    }
    // The planner's graph is not the composed team: its outcome is not recorded on it.
    const fromPlanner = plan?.source === 'planner-model';
    const budget = {
      ...(maxCostUsd === undefined ? {} : { maxCostUsd }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(maxAgents === undefined ? {} : { maxAgents }),
    };
    const compositionSummary = {
      decision: chosen.decision,
      reason: chosen.reason,
      compositionId: chosen.compositionId,
      taskPattern: chosen.taskPattern,
      strategy: chosen.strategy,
    };

    if (values['dry-run'] === true) {
      return dryRun(io, {
        setup,
        graph,
        task: chosen.task,
        compositionSummary,
        plan,
        budget,
        json: values.json === true,
      });
    }

    const runId = newRunId();
    const composition: RunComposition = {
      compositionId: chosen.compositionId,
      taskPattern: chosen.taskPattern,
      strategy: chosen.strategy,
      decision: chosen.decision,
      reason: chosen.reason,
      qualityGates: chosen.qualityGates,
    };
    const { report, exitCode } = await executeRun({
      io,
      cli,
      batonDirectory,
      setup,
      composition: fromPlanner ? undefined : composition,
      plan,
      mode: {
        kind: 'start',
        runId,
        graph,
        budget,
        concurrency,
        context: { ...(context ?? {}), task: chosen.task },
        metadata: {
          executor: spec,
          ...(fromPlanner ? {} : { composition }),
          ...(plan === undefined ? {} : { plan }),
          projectRoot: project,
          escalateFailures: values['no-escalate'] !== true,
        },
        planning: fromPlanner
          ? { source: 'planner-model', reason: plan?.reason ?? '' }
          : {
              composition: {
                decision: chosen.decision,
                reason: chosen.reason,
                compositionId: chosen.compositionId,
              },
              strategyReason: chosen.strategyReason,
              source: chosen.decision === 'reused' ? 'stored composition' : 'meta-orchestrator',
              ...(plan === undefined ? {} : { reason: `--decompose: ${plan.reason}` }),
            },
      },
      escalateFailures: values['no-escalate'] !== true,
      presentation: {
        verbose: values.verbose === true,
        eventsJsonl: values.events === 'jsonl' || eventsFile !== undefined,
        eventsFile,
        prompt: values['no-prompt'] !== true,
      },
    });
    if (values.json === true) writeJson(io, report);
    else writeLine(io.stdout, formatRunReport(report));
    return exitCode;
  },
};

function dryRun(
  io: CliIo,
  options: {
    setup: ExecutorSetup;
    graph: ReturnType<typeof compilePlan>;
    task: string;
    compositionSummary: Record<string, unknown>;
    plan: PlanChoice | undefined;
    budget: Record<string, number>;
    json: boolean;
  },
): ExitCode {
  const { setup, graph, task } = options;
  const launches = graph.steps.flatMap((step) =>
    step.kind === 'agent' && step.agent !== undefined
      ? [{ stepId: step.id, ...describeLaunch(setup, step.agent, task) }]
      : [],
  );
  const executor =
    setup.kind === 'model'
      ? {
          kind: 'model',
          provider: setup.config.provider,
          models: setup.config.models,
          baseURL: setup.config.baseURL ?? null,
        }
      : {
          kind: 'agent-cli',
          chain: setup.chain,
          found: setup.found,
          worktree: setup.worktree,
          validate: setup.validate ?? null,
        };
  if (options.json) {
    writeJson(io, {
      dryRun: true,
      task,
      composition: options.compositionSummary,
      plan: options.plan ?? null,
      executor,
      budget: options.budget,
      agents: launches,
      graph,
    });
    return ExitCode.OK;
  }
  const lines = [
    `Dry run: nothing is executed.`,
    `Task: ${task}`,
    options.plan?.source === 'planner-model'
      ? `Plan: planner model (${options.plan.reason})`
      : `Composition: ${String(options.compositionSummary.decision)} ${String(options.compositionSummary.compositionId)} (${String(options.compositionSummary.reason)})${options.plan === undefined ? '' : `\nPlan: heuristic (${options.plan.reason})`}`,
    `Executor: ${setup.kind === 'model' ? `model provider ${setup.config.provider}${setup.config.baseURL ? ` at ${setup.config.baseURL}` : ''}` : `agent CLIs ${setup.chain.join(' -> ')}${setup.worktree ? ', one worktree per agent' : ''}${setup.validate ? `, validated by: ${setup.validate}` : ''}`}`,
    '',
    'Agents it would start:',
  ];
  for (const launch of launches) {
    lines.push(
      `  ${launch.agentId}  tier ${launch.tier ?? 'unknown'}  on ${launch.runsOn}  timeout ${launch.timeoutSeconds ?? 'default'}s  max tokens ${launch.maxTokens ?? 'unlimited'}`,
      `    prompt (${launch.promptChars} chars): ${launch.promptPreview}`,
    );
  }
  lines.push('', renderGraph(graph));
  writeLine(io.stdout, lines.join('\n'));
  return ExitCode.OK;
}
