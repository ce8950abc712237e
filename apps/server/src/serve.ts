import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from '@baton/core';
import { createBaton, TaskService } from '@baton/sdk';
import { serve } from '@hono/node-server';
import { createServerApp, LOOPBACK_HOSTS } from './app.js';
import { resolveServerToken } from './security.js';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** The project whose `.baton/` state it serves (default: the working directory). */
  projectDir?: string | undefined;
  /** Default 4567; 0 picks a free port. */
  port?: number | undefined;
  /** Default `127.0.0.1` (loopback only). */
  host?: string | undefined;
  /** Tasks running at once (default 2). */
  concurrency?: number | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  logger?: Logger | undefined;
}

/** A started server. */
export interface StartedServer {
  url: string;
  port: number;
  /** Where the token came from: `BATON_SERVER_TOKEN`, or the file it is kept in. */
  tokenSource: string;
  tokenCreated: boolean;
  /** Stops taking requests, cancels running tasks (their runs stay resumable), closes connections. */
  close(): Promise<void>;
}

/** Starts the API on Node (what `baton serve` does). */
export async function startServer(options: StartServerOptions = {}): Promise<StartedServer> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const token = resolveServerToken({ projectDir, env });
  const baton = createBaton({ projectDir, env, logger: options.logger });
  const tasks = new TaskService({
    baton,
    concurrency: options.concurrency,
    logger: options.logger,
  });
  const wildcard = host === '0.0.0.0' || host === '::';
  const { app } = createServerApp({
    baton,
    tasks,
    token: token.token,
    allowedHosts: wildcard ? ['*'] : [...LOOPBACK_HOSTS, host],
    logger: options.logger,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 4567 }, () =>
      resolveServer(started),
    );
    started.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    tokenSource: token.source === 'env' ? 'BATON_SERVER_TOKEN' : (token.file as string),
    tokenCreated: token.created,
    async close() {
      await tasks.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await baton.close();
    },
  };
}
