import { startBatonWorker } from '@baton/sdk';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { createStderrLogger, ExitCode, UsageError, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import { untilStopped } from '../until-stopped.js';

/** `baton worker`: runs the agent calls that coordinators queue on BATON_REDIS_URL, until Ctrl-C. */
export const workerCommand: Command = {
  name: 'worker',
  usage: [
    'Usage: baton worker [--concurrency N] [--agent-cli claude,codex] [--name NAME] [--path DIR] [--verbose]',
    '',
    'Takes the agent calls that `baton run --queue`, the server or createBaton() put on the queue',
    'at BATON_REDIS_URL (BATON_QUEUE_PREFIX keeps environments apart) and runs them with this',
    "machine's executor, chosen as `baton run` chooses it: --agent-cli, BATON_AGENT_CLI or",
    'baton.config.json "agentCli", else the model provider. The rate limits of baton.config.json',
    '"rateLimits" hold across every worker. --concurrency: calls at once per limit group',
    '(default 1). Ctrl-C stops taking calls and waits for the running ones.',
  ].join('\n'),
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      concurrency: { type: 'string' },
      'agent-cli': { type: 'string' },
      name: { type: 'string' },
      path: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const concurrency = numberFlag('concurrency', values.concurrency, { min: 1, integer: true });
    if (values.name !== undefined && values.name.trim() === '') {
      throw new UsageError('--name must not be empty');
    }
    const projectDir = resolveProjectDir(io.cwd, values.path);
    const worker = await startBatonWorker({
      projectDir,
      env: io.env,
      logger: createStderrLogger(io, values.verbose === true),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(values['agent-cli'] === undefined ? {} : { agentCli: values['agent-cli'] }),
      ...(values.name === undefined ? {} : { name: values.name }),
    });
    writeLine(
      io.stderr,
      `baton: worker ${worker.name} takes agent calls for ${projectDir} (groups: ${worker.groups().join(', ') || 'none yet'})`,
    );
    await untilStopped(cli);
    writeLine(io.stderr, 'baton: stopping (waiting for the calls it runs)');
    await worker.close();
    return ExitCode.OK;
  },
};
