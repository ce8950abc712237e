import { resolve } from 'node:path';
import { BatonError, BatonErrorCode, formatEventLine, type SpendTotals } from '@baton/core';
import type { RunDetails } from '@baton/runtime';
import { type Baton, budgetOf, usd } from '@baton/sdk';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { type CliIo, ExitCode, formatTable, UsageError, writeJson, writeLine } from '../io.js';
import { batonDir, resolveProjectDir } from '../project.js';
import { outputFile } from '../report-output.js';
import { formatRunReport } from '../run/format-report.js';
import { openBaton, presentRun } from '../run/session.js';

const usage = [
  'Usage: baton runs list [--status S] [--limit N] [--path DIR] [--json]',
  '       baton runs show <id> [--path DIR] [--json]',
  '       baton runs logs <id> [--follow] [--path DIR] [--json]',
  '       baton runs resume <id> [--max-cost-usd N] [--max-tokens N] [--max-agents N]',
  '                         [--concurrency N] [--events jsonl] [--events-file PATH]',
  '                         [--no-prompt] [--path DIR] [--json] [--verbose]',
  '       baton runs cancel <id> [--path DIR] [--json]',
  '       baton runs rate <id> --score N [--note TEXT] [--path DIR] [--json]',
  '',
  'Runs live in DIR/.baton/runs/<id>/. A cancelled, paused, budget-stopped or crashed run can be',
  'resumed: finished steps are not run again. The executor (model provider or agent CLIs) is the',
  'one the run started with, set up again from the current environment.',
  'A rating (0..100) of a finished run is a scorer of its quality that weighs most; a later',
  'rating replaces an earlier one, and the quality is recorded on the composition again.',
].join('\n');

/** `baton runs list|show|logs|resume|cancel|rate`. */
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
      score: { type: 'string' },
      note: { type: 'string' },
    });
    const [action = 'list', id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const project = resolveProjectDir(io.cwd, values.path);
    const batonDirectory = batonDir(project);
    const session = openBaton(io, cli, project, { verbose: values.verbose === true });
    const { baton } = session;
    const requireRun = (runId: string): Promise<RunDetails> =>
      findRun(baton, runId, batonDirectory);

    if (action === 'list') {
      const statuses = ['running', 'succeeded', 'failed', 'cancelled', 'paused', 'budget-exceeded'];
      if (values.status !== undefined && !statuses.includes(values.status)) {
        throw new UsageError(`--status must be one of ${statuses.join(', ')}`);
      }
      const limit = numberFlag('limit', values.limit, { min: 1, integer: true });
      const { runs, problems } = await baton.runs.list({
        ...(values.status === undefined ? {} : { status: values.status as 'running' }),
        ...(limit === undefined ? {} : { limit }),
      });
      for (const problem of problems) writeLine(io.stderr, `baton: ${problem.message}`);
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
    if (action === 'show') {
      const details = await requireRun(id);
      reportProblems(io, details);
      return show(io, details, values.json === true);
    }
    if (action === 'logs') {
      await requireRun(id);
      if (values.follow === true) {
        if (values.json)
          throw new UsageError('--follow prints lines; without it --json prints the events so far');
        for await (const event of baton.runs.events(id, {
          follow: true,
          ...(cli.signal === undefined ? {} : { signal: cli.signal }),
        })) {
          writeLine(io.stdout, formatEventLine(event));
        }
        return ExitCode.OK;
      }
      const events = [];
      for await (const event of baton.runs.events(id)) events.push(event);
      if (values.json) writeJson(io, events);
      else for (const event of events) writeLine(io.stdout, formatEventLine(event));
      return ExitCode.OK;
    }
    if (action === 'cancel') {
      await requireRun(id);
      const result = await asUsage(
        baton.cancel(id, { reason: 'cancelled with baton runs cancel' }),
      );
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
    if (action === 'rate') {
      const score = numberFlag('score', values.score, { min: 0, max: 100 });
      if (score === undefined) throw new UsageError('runs rate needs --score N (0 to 100)');
      await requireRun(id);
      const rated = await asUsage(
        baton.runs.rate(id, {
          score,
          ...(values.note === undefined ? {} : { note: values.note }),
        }),
      );
      if (values.json) writeJson(io, rated);
      else
        writeLine(
          io.stdout,
          `Run ${id} rated ${score}: quality ${rated.quality.summary}${rated.compositionId === null ? '' : ` (recorded on composition ${rated.compositionId})`}`,
        );
      return ExitCode.OK;
    }
    if (action === 'resume') {
      const details = await requireRun(id);
      reportProblems(io, details);
      // Nothing to resume is said before the executor is set up (its setup may be missing).
      if (!details.resumable && details.status !== 'running') {
        throw new UsageError(`run ${id} ${details.status}: there is nothing to resume`);
      }
      // A workflow's run is continued by its workflow, which reports on it.
      const workflow = await workflowCommandOf(details.run.metadata?.workflow);
      if (workflow !== undefined) {
        const { orchestrateCommand } = await import('./orchestrate.js');
        const passed = values.json === true ? ['--json'] : [];
        return orchestrateCommand.run(
          [workflow, '--resume', id, '--path', project, ...passed],
          io,
          cli,
        );
      }
      const maxCostUsd = numberFlag('max-cost-usd', values['max-cost-usd'], { min: 0 });
      const maxTokens = numberFlag('max-tokens', values['max-tokens'], { min: 1, integer: true });
      const maxAgents = numberFlag('max-agents', values['max-agents'], { min: 1, integer: true });
      const concurrency = numberFlag('concurrency', values.concurrency, { min: 1, integer: true });
      const override =
        maxCostUsd !== undefined || maxTokens !== undefined || maxAgents !== undefined
          ? budgetOf({ maxCostUsd, maxTokens, maxAgents })
          : undefined;
      if (values.events !== undefined && values.events !== 'jsonl') {
        throw new UsageError(`--events must be "jsonl", got "${values.events}"`);
      }
      const eventsFile = outputFile(io, '--events-file', values['events-file']);
      const { report, exitCode } = await presentRun(io, cli, session, {
        graph: details.run.graph,
        presentation: {
          verbose: values.verbose === true,
          eventsJsonl: values.events === 'jsonl' || eventsFile !== undefined,
          eventsFile,
          prompt: values['no-prompt'] !== true,
        },
        start: (steer) =>
          baton.resume(id, {
            ...steer,
            ...(override === undefined ? {} : { budget: override }),
            ...(concurrency === undefined ? {} : { concurrency }),
          }),
      });
      if (values.json) writeJson(io, report);
      else writeLine(io.stdout, formatRunReport(report));
      return exitCode;
    }
    throw new UsageError(
      `unknown runs action "${action}" (use list, show, logs, resume, cancel or rate)`,
    );
  },
};

/**
 * A run in the wrong state for the action (rating an unfinished run, cancelling a finished one)
 * is bad input, exit 2, not a failure.
 */
async function asUsage<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

async function findRun(baton: Baton, id: string, batonDirectory: string): Promise<RunDetails> {
  try {
    return await baton.runs.get(id);
  } catch (error) {
    // A damaged record is reported by name, never as a run that is not there.
    if (
      BatonError.isInstance(error) &&
      (error.code === BatonErrorCode.VALIDATION || error.code === BatonErrorCode.STORAGE)
    ) {
      throw error;
    }
    throw new UsageError(`no run "${id}" in ${resolve(batonDirectory, 'runs')}`);
  }
}

/** Records of a run that cannot be read, one line each on stderr, whatever the output format. */
function reportProblems(io: CliIo, details: RunDetails): void {
  for (const problem of details.problems) writeLine(io.stderr, `baton: ${problem.message}`);
}

function show(io: CliIo, details: RunDetails, json: boolean): ExitCode {
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

/** The `baton orchestrate` workflow whose run this is (by its metadata), if it is one. */
async function workflowCommandOf(workflow: unknown): Promise<string | undefined> {
  if (typeof workflow !== 'string') return undefined;
  const {
    RELEASE_TASK_PATTERN,
    SECURITY_DEEP_DIVE_TASK_PATTERN,
    TEST_COVERAGE_BOOST_TASK_PATTERN,
  } = await import('@baton/workflows');
  const commands: Record<string, string> = {
    [RELEASE_TASK_PATTERN]: 'release-prep',
    [TEST_COVERAGE_BOOST_TASK_PATTERN]: 'test-coverage',
    [SECURITY_DEEP_DIVE_TASK_PATTERN]: 'security-deep-dive',
  };
  return commands[workflow];
}
