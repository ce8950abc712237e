import { resolve } from 'node:path';
import { BatonError, BatonErrorCode } from '@baton/core';
import { formatEventLine, RunStore, Runtime, type SpendTotals } from '@baton/runtime';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { type CliIo, ExitCode, formatTable, UsageError, writeJson, writeLine } from '../io.js';
import { batonDir, resolveProjectDir } from '../project.js';
import type { RunComposition } from '../run/execute.js';
import { formatRunReport, usd } from '../run/report.js';

const usage = [
  'Usage: baton runs list [--status S] [--limit N] [--path DIR] [--json]',
  '       baton runs show <id> [--path DIR] [--json]',
  '       baton runs logs <id> [--follow] [--path DIR] [--json]',
  '       baton runs resume <id> [--max-cost-usd N] [--max-tokens N] [--max-agents N]',
  '                         [--concurrency N] [--events jsonl] [--events-file PATH]',
  '                         [--no-prompt] [--path DIR] [--json] [--verbose]',
  '       baton runs cancel <id> [--path DIR] [--json]',
  '',
  'Runs live in DIR/.baton/runs/<id>/. A cancelled, paused, budget-stopped or crashed run can be',
  'resumed: finished steps are not run again. The executor (model provider or agent CLIs) is the',
  'one the run started with, set up again from the current environment.',
].join('\n');

/** `baton runs list|show|logs|resume|cancel`. */
export const runsCommand: Command = {
  name: 'runs',
  usage,
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      path: { type: 'string' },
      json: { type: 'boolean' },
      status: { type: 'string' },
      limit: { type: 'string' },
      'max-cost-usd': { type: 'string' },
      'max-tokens': { type: 'string' },
      'max-agents': { type: 'string' },
      concurrency: { type: 'string' },
      events: { type: 'string' },
      'events-file': { type: 'string' },
      'no-prompt': { type: 'boolean' },
      verbose: { type: 'boolean' },
      follow: { type: 'boolean' },
    });
    const [action = 'list', id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const project = resolveProjectDir(io.cwd, values.path);
    const batonDirectory = batonDir(project);
    const store = new RunStore({ dir: batonDirectory });

    if (action === 'list') {
      const statuses = ['running', 'succeeded', 'failed', 'cancelled', 'paused', 'budget-exceeded'];
      if (values.status !== undefined && !statuses.includes(values.status)) {
        throw new UsageError(`--status must be one of ${statuses.join(', ')}`);
      }
      const limit = numberFlag('limit', values.limit, { min: 1, integer: true });
      const runs = await store.list({
        ...(values.status === undefined ? {} : { status: values.status as 'running' }),
        ...(limit === undefined ? {} : { limit }),
      });
      if (values.json) {
        writeJson(io, runs);
        return ExitCode.OK;
      }
      if (runs.length === 0) {
        writeLine(io.stdout, `No runs yet in ${batonDirectory}/runs.`);
        return ExitCode.OK;
      }
      writeLine(
        io.stdout,
        formatTable(
          ['ID', 'STATUS', 'PROGRESS', 'STRATEGY', 'CREATED', 'TASK'],
          runs.map((run) => [
            run.id,
            `${run.crashed ? 'crashed' : run.status}${run.resumable ? ' (resumable)' : ''}`,
            `${run.progress.done}/${run.progress.total} ${run.progress.percent}%`,
            run.strategy ?? '-',
            run.createdAt,
            (run.task ?? '').slice(0, 60),
          ]),
        ),
      );
      return ExitCode.OK;
    }
    if (id === undefined) throw new UsageError(`runs ${action} needs a run id`);
    if (action === 'show') return show(io, store, id, values.json === true);
    if (action === 'logs') {
      await requireRun(store, id);
      if (values.follow === true) {
        if (values.json)
          throw new UsageError('--follow prints lines; without it --json prints the events so far');
        for await (const event of store.followEvents(id, {
          ...(cli.signal === undefined ? {} : { signal: cli.signal }),
        })) {
          writeLine(io.stdout, formatEventLine(event));
        }
        return ExitCode.OK;
      }
      const events = await store.readEvents(id);
      if (values.json) writeJson(io, events);
      else for (const event of events) writeLine(io.stdout, formatEventLine(event));
      return ExitCode.OK;
    }
    if (action === 'cancel') {
      await requireRun(store, id);
      const runtime = new Runtime({ dir: batonDirectory });
      const result = await runtime.cancel(id, {
        reason: 'cancelled with baton runs cancel',
        interrupt: true,
      });
      if (values.json) writeJson(io, { runId: id, ...result });
      else
        writeLine(
          io.stdout,
          result.status === 'running'
            ? `Cancel requested for run ${id}: its process stops it at the next check and saves it as cancelled.`
            : `Run ${id} is ${result.status}. Resume it with: baton runs resume ${id}`,
        );
      return ExitCode.OK;
    }
    if (action === 'resume') {
      // Only resuming runs agents: the executors (and the AI SDK) load here, not for list/show.
      const [{ executeRun }, { executorSpecFromMetadata, resolveExecutorSetup }] =
        await Promise.all([import('../run/execute.js'), import('../run/executor-setup.js')]);
      const record = await requireRun(store, id);
      // Nothing to resume is said before the executor is set up (its setup may be missing).
      const summary = await store.show(id);
      if (!summary.resumable && summary.status !== 'running') {
        throw new UsageError(`run ${id} ${summary.status}: there is nothing to resume`);
      }
      const metadata = record.metadata ?? {};
      const spec = executorSpecFromMetadata(metadata);
      const setup = await resolveExecutorSetup(spec, { projectRoot: project, env: io.env });
      const maxCostUsd = numberFlag('max-cost-usd', values['max-cost-usd'], { min: 0 });
      const maxTokens = numberFlag('max-tokens', values['max-tokens'], { min: 1, integer: true });
      const maxAgents = numberFlag('max-agents', values['max-agents'], { min: 1, integer: true });
      const concurrency = numberFlag('concurrency', values.concurrency, { min: 1, integer: true });
      const override =
        maxCostUsd !== undefined || maxTokens !== undefined || maxAgents !== undefined
          ? {
              ...record.budget,
              ...(maxCostUsd === undefined ? {} : { maxCostUsd }),
              ...(maxTokens === undefined ? {} : { maxTokens }),
              ...(maxAgents === undefined ? {} : { maxAgents }),
            }
          : undefined;
      if (values.events !== undefined && values.events !== 'jsonl') {
        throw new UsageError(`--events must be "jsonl", got "${values.events}"`);
      }
      const composition = metadata.composition as RunComposition | undefined;
      const eventsFile = values['events-file'];
      const { report, exitCode } = await executeRun({
        io,
        cli,
        batonDirectory,
        setup,
        composition,
        escalateFailures: metadata.escalateFailures !== false,
        mode: {
          kind: 'resume',
          runId: id,
          graph: record.graph,
          budget: override,
          concurrency,
        },
        presentation: {
          verbose: values.verbose === true,
          eventsJsonl: values.events === 'jsonl' || eventsFile !== undefined,
          eventsFile: eventsFile === undefined ? undefined : resolve(io.cwd, eventsFile),
          prompt: values['no-prompt'] !== true,
        },
      });
      if (values.json) writeJson(io, report);
      else writeLine(io.stdout, formatRunReport(report));
      return exitCode;
    }
    throw new UsageError(
      `unknown runs action "${action}" (use list, show, logs, resume or cancel)`,
    );
  },
};

async function requireRun(store: RunStore, id: string) {
  try {
    return await store.loadRun(id);
  } catch (error) {
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.VALIDATION) throw error;
    throw new UsageError(`no run "${id}" in ${store.dir}/runs`);
  }
}

async function show(io: CliIo, store: RunStore, id: string, json: boolean): Promise<ExitCode> {
  await requireRun(store, id);
  const details = await store.show(id);
  if (json) {
    writeJson(io, details);
    return ExitCode.OK;
  }
  const run = details.run;
  const lines = [
    `Run ${run.id}: ${details.crashed ? 'crashed (its process is gone)' : run.status}${details.resumable ? ', resumable' : ''}`,
    `Task: ${run.task ?? '-'}`,
    `Strategy: ${run.graph.strategy ?? '-'}   state ${run.state}   attempts ${run.attempts}`,
    `Created ${run.createdAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}`,
    `Progress: ${details.progress.done}/${details.progress.total} steps (${details.progress.percent}%)`,
  ];
  const budget = Object.entries(run.budget);
  if (budget.length > 0) lines.push(`Budget: ${budget.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (run.budgetStop)
    lines.push(`Budget stop: ${run.budgetStop.limit} ${run.budgetStop.max} reached`);
  if (run.error) lines.push(`Error: ${run.error}`);
  // The engine saves the run's spend totals (`SpendTotals` of @baton/runtime) as `run.spend`.
  const spend = run.spend as Partial<SpendTotals> | undefined;
  if (spend !== undefined && typeof spend.totalTokens === 'number') {
    const unmeasured = spend.unmeasuredAttempts ?? 0;
    const unpriced = spend.unpricedAttempts ?? 0;
    const cost = usd(spend.costUsd ?? 0);
    lines.push(
      `Spend: ${spend.agents ?? 'unknown'} agent run(s), ${unmeasured > 0 ? `tokens unknown (at least ${spend.totalTokens} measured)` : `${spend.totalTokens} tokens (${spend.inputTokens} in, ${spend.outputTokens} out)`}, ${unmeasured + unpriced > 0 ? `cost unknown (at least ${cost} priced)` : `cost ${cost}`}`,
    );
  }
  lines.push('');
  lines.push(
    formatTable(
      ['STEP', 'STATUS', 'TIER', 'ATTEMPTS', 'DURATION', 'TOKENS', 'COST'],
      run.graph.steps.map((step) => {
        const checkpoint = details.steps[step.id];
        const waiting = details.decisions.find(
          (decision) => decision.stepId === step.id && decision.status === 'pending',
        );
        const attempts = checkpoint?.attempts ?? waiting?.attempts ?? [];
        const measured =
          attempts.length > 0 && attempts.every((attempt) => attempt.usage !== undefined);
        const priced =
          measured && attempts.every((attempt) => attempt.usage?.costUsd !== undefined);
        const tokens = attempts.reduce(
          (sum, attempt) =>
            sum + (attempt.usage ? attempt.usage.inputTokens + attempt.usage.outputTokens : 0),
          0,
        );
        const cost = attempts.reduce((sum, attempt) => sum + (attempt.usage?.costUsd ?? 0), 0);
        return [
          step.id,
          checkpoint === undefined
            ? waiting === undefined
              ? 'pending'
              : 'awaiting decision'
            : `${checkpoint.status}${checkpoint.reason ? ` (${checkpoint.reason})` : ''}`,
          attempts.at(-1)?.tier ?? step.agent?.tier ?? '-',
          String(attempts.length),
          attempts.length === 0
            ? '-'
            : `${attempts.reduce((sum, attempt) => sum + attempt.durationSeconds, 0).toFixed(1)}s`,
          attempts.length === 0 ? '-' : measured ? String(tokens) : 'unknown',
          attempts.length === 0 ? '-' : priced ? usd(cost) : 'unknown',
        ];
      }),
    ),
  );
  if (details.decisions.length > 0) {
    lines.push('', 'Decisions:');
    for (const decision of details.decisions) {
      lines.push(
        `  ${decision.id}  ${decision.status}  ${decision.kind}  step ${decision.stepId}: ${decision.reason}`,
      );
    }
  }
  if (details.cancelRequested) lines.push('', 'A cancel request is waiting to be noticed.');
  writeLine(io.stdout, lines.join('\n'));
  return ExitCode.OK;
}
