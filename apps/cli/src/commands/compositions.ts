import { resolve } from 'node:path';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, formatTable, UsageError, writeJson, writeLine } from '../io.js';
import { batonDir, resolveProjectDir } from '../project.js';
import { openBaton } from '../run/session.js';

export const compositionsCommand: Command = {
  name: 'compositions',
  usage: [
    'Usage: baton compositions list [--task-pattern P] [--path DIR] [--json]',
    '       baton compositions show <id> [--path DIR] [--json]',
    '       baton compositions delete <id> [--path DIR] [--json]',
  ].join('\n'),
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      json: { type: 'boolean' },
      path: { type: 'string' },
      'task-pattern': { type: 'string' },
    });
    const [action = 'list', id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const project = resolveProjectDir(io.cwd, values.path);
    const { baton } = openBaton(io, cli, project, { verbose: false });
    const storageDir = resolve(batonDir(project), 'compositions');

    if (action === 'list') {
      const pattern = values['task-pattern'];
      const { compositions: configs, problems } = await baton.compositions.list(
        pattern === undefined ? {} : { taskPattern: pattern },
      );
      // Corrupt state is said whatever the format, and never reads as "none recorded".
      for (const problem of problems) writeLine(io.stderr, `baton: ${problem.message}`);
      if (values.json) {
        writeJson(
          io,
          configs.map((config) => config.toJSON()),
        );
        return ExitCode.OK;
      }
      if (configs.length === 0) {
        writeLine(
          io.stdout,
          problems.length === 0
            ? `No compositions recorded yet in ${storageDir}.`
            : `No readable compositions in ${storageDir}.`,
        );
        return ExitCode.OK;
      }
      writeLine(
        io.stdout,
        formatTable(
          ['ID', 'TASK PATTERN', 'STRATEGY', 'AGENTS', 'USES', 'SUCCESS', 'QUALITY', 'LAST USED'],
          configs.map((config) => [
            config.id,
            config.taskPattern,
            config.strategy,
            String(config.agents.length),
            String(config.usageCount),
            config.usageCount === 0 ? '-' : `${(config.successRate * 100).toFixed(0)}%`,
            config.usageCount === 0 ? '-' : config.avgQualityScore.toFixed(1),
            config.lastUsed?.toISOString() ?? 'never',
          ]),
        ),
      );
      return ExitCode.OK;
    }
    if (id === undefined) throw new UsageError(`compositions ${action} needs a composition id`);
    if (action === 'show') {
      const config = await baton.compositions.get(id);
      if (config === undefined) throw new UsageError(`no composition "${id}" in ${storageDir}`);
      writeJson(io, config.toJSON());
      return ExitCode.OK;
    }
    if (action === 'delete') {
      const deleted = await baton.compositions.delete(id);
      if (!deleted) throw new UsageError(`no composition "${id}" in ${storageDir}`);
      if (values.json) writeJson(io, { deleted: id });
      else writeLine(io.stdout, `Deleted composition ${id}.`);
      return ExitCode.OK;
    }
    throw new UsageError(`unknown compositions action "${action}" (use list, show or delete)`);
  },
};
