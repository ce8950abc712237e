import { BatonError, BatonErrorCode, type Decision } from '@baton/core';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, formatTable, UsageError, writeJson, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import { openBaton } from '../run/session.js';

const STATUSES = ['pending', 'approved', 'rejected'] as const;

/** `baton decisions list|approve|reject`. */
export const decisionsCommand: Command = {
  name: 'decisions',
  usage: [
    'Usage: baton decisions list [--run ID] [--status pending|approved|rejected] [--path DIR] [--json]',
    '       baton decisions approve <id> [--note TEXT] [--path DIR] [--json]',
    '       baton decisions reject <id> [--note TEXT] [--path DIR] [--json]',
    '',
    'A run asks a person when a step needs approval (pushes, publishes or deploys), when a step',
    'failed after its retries and fallbacks, or when a risky step is not confident enough. A run',
    'with nothing else to do is paused; after deciding, continue it with `baton runs resume <run>`.',
  ].join('\n'),
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      path: { type: 'string' },
      json: { type: 'boolean' },
      run: { type: 'string' },
      status: { type: 'string' },
      note: { type: 'string' },
    });
    const [action = 'list', id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const project = resolveProjectDir(io.cwd, values.path);
    const { baton } = openBaton(io, cli, project, { verbose: false });

    if (action === 'list') {
      const status = values.status;
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
        throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      }
      if (values.note !== undefined) throw new UsageError('--note goes with approve or reject');
      const { decisions: list, problems } = await baton.decisions.list({
        ...(values.run === undefined ? {} : { runId: values.run }),
        ...(status === undefined ? {} : { status: status as (typeof STATUSES)[number] }),
      });
      for (const problem of problems) writeLine(io.stderr, `baton: ${problem.message}`);
      if (values.json) {
        writeJson(io, list);
        return ExitCode.OK;
      }
      if (list.length === 0) {
        writeLine(
          io.stdout,
          `No ${status ?? ''}${status ? ' ' : ''}decisions${values.run ? ` for run ${values.run}` : ''}.`,
        );
        return ExitCode.OK;
      }
      writeLine(
        io.stdout,
        formatTable(
          ['ID', 'STATUS', 'KIND', 'RUN', 'STEP', 'CREATED', 'REASON'],
          list.map((decision) => [
            decision.id,
            decision.status,
            decision.kind,
            decision.runId,
            decision.stepId,
            decision.createdAt,
            decision.reason,
          ]),
        ),
      );
      return ExitCode.OK;
    }
    if (action === 'approve' || action === 'reject') {
      if (id === undefined) throw new UsageError(`decisions ${action} needs a decision id`);
      if (values.run !== undefined || values.status !== undefined) {
        throw new UsageError(`--run and --status go with list`);
      }
      const note = values.note;
      let decided: Decision;
      try {
        decided = await baton.decisions[action](id, note === undefined ? {} : { note });
      } catch (error) {
        if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT)
          throw new UsageError(error.message);
        throw error;
      }
      const run = await baton.runs.get(decided.runId).catch(() => undefined);
      if (values.json) {
        writeJson(io, decided);
        return ExitCode.OK;
      }
      writeLine(
        io.stdout,
        run?.status === 'running'
          ? `Decision ${decided.id} ${decided.status}. Run ${decided.runId} is running and picks it up.`
          : `Decision ${decided.id} ${decided.status}. Continue the run with: baton runs resume ${decided.runId}`,
      );
      return ExitCode.OK;
    }
    throw new UsageError(`unknown decisions action "${action}" (use list, approve or reject)`);
  },
};
