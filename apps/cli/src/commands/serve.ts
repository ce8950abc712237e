import { startServer } from '@baton/server';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { createStderrLogger, ExitCode, UsageError, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import { untilStopped } from '../until-stopped.js';

/** `baton serve`: the orchestrator API on HTTP until Ctrl-C. */
export const serveCommand: Command = {
  name: 'serve',
  usage: [
    'Usage: baton serve [--port N] [--host H] [--concurrency N] [--path DIR] [--verbose]',
    '',
    'Serves the orchestrator API (see apps/server/README.md, GET /openapi.json) for the project in',
    'DIR (default .): requests, tasks, live events, decisions, runs. Binds 127.0.0.1 unless --host',
    'says otherwise (default port 4567; 0 picks a free one). Every route but /health needs',
    '`Authorization: Bearer <token>`: BATON_SERVER_TOKEN, else the token generated into',
    'DIR/.baton/server-token (mode 0600). --concurrency: tasks running at once (default 2).',
    'The dashboard is at / (runs, live progress, decisions to approve, compositions).',
  ].join('\n'),
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      concurrency: { type: 'string' },
      path: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const port = numberFlag('port', values.port, { min: 0, max: 65535, integer: true });
    const concurrency = numberFlag('concurrency', values.concurrency, { min: 1, integer: true });
    const host = values.host ?? '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host must be a host name or address');
    const projectDir = resolveProjectDir(io.cwd, values.path);
    const server = await startServer({
      projectDir,
      host,
      ...(port === undefined ? {} : { port }),
      ...(concurrency === undefined ? {} : { concurrency }),
      env: io.env,
      logger: createStderrLogger(io, values.verbose === true),
    });
    writeLine(io.stderr, `baton: serving ${projectDir} on ${server.url}`);
    writeLine(
      io.stderr,
      server.tokenSource === 'BATON_SERVER_TOKEN'
        ? 'baton: token from BATON_SERVER_TOKEN'
        : `baton: token ${server.tokenCreated ? 'generated into' : 'read from'} ${server.tokenSource} (send it as Authorization: Bearer <token>)`,
    );
    writeLine(
      io.stderr,
      `baton: dashboard at ${new URL('/', server.url).href} (it asks for the token once per tab)`,
    );
    await untilStopped(cli);
    writeLine(
      io.stderr,
      'baton: stopping (running tasks are cancelled; their runs stay resumable)',
    );
    await server.close();
    return ExitCode.OK;
  },
};
