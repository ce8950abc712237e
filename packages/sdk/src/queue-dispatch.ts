import type { PostgresCheckpointer } from '@baton/checkpointer-postgres';
import {
  type AgentExecutor,
  BatonError,
  BatonErrorCode,
  type Checkpointer,
  type Logger,
  newRunId,
  noopLogger,
} from '@baton/core';
import type { ExecutorSelection, ExecutorSetup } from '@baton/executors';
import type { QueueExecutor, QueueWorker } from '@baton/queue';
import type { ExecutorFactory } from './executor-factory.js';

/** The variable that turns queue dispatch on: the Redis of the queue (`redis://host:6379`). */
export const REDIS_URL_VARIABLE = 'BATON_REDIS_URL';
/** The variable that keeps runs in PostgreSQL (`postgres://user@host:5432/baton`). */
export const DATABASE_URL_VARIABLE = 'BATON_DATABASE_URL';
/**
 * The variable of the queues' Redis key prefix (default `baton`): coordinators and workers with
 * the same one work together, e.g. one per environment on a shared Redis.
 */
export const QUEUE_PREFIX_VARIABLE = 'BATON_QUEUE_PREFIX';

const variable = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/**
 * The limit group (the BullMQ queue, the rate limit of `baton.config.json` `rateLimits`) of a
 * setup's calls: the model provider (`anthropic`, `openai`, `openai-compatible`), or the first
 * CLI of the chain (`claude`).
 */
export function limitGroupOf(setup: ExecutorSetup): string {
  return setup.kind === 'model' ? setup.config.provider : (setup.chain[0] ?? 'default');
}

/** What a Baton instance takes from `BATON_REDIS_URL` and `BATON_DATABASE_URL`. */
export interface QueueDispatch {
  /** The PostgreSQL checkpointer of `BATON_DATABASE_URL` (made once, on first use). */
  checkpointer(): Checkpointer | undefined;
  /** With `BATON_REDIS_URL`: builds a run's executor that sends its agent calls to the workers. */
  readonly createExecutor: ExecutorFactory | undefined;
  /** Closes the queue's connections and the database pool it opened. */
  close(): Promise<void>;
}

/**
 * Reads the dispatch settings of an environment. With `BATON_REDIS_URL`, a run's agent calls
 * become jobs for `baton worker` processes (the run's engine still schedules every step here);
 * with `BATON_DATABASE_URL`, runs are kept in PostgreSQL, where every machine can read, cancel
 * and resume them. Connections open on first use.
 */
export function queueDispatch(options: {
  env: NodeJS.ProcessEnv;
  logger?: Logger | undefined;
}): QueueDispatch {
  const logger = options.logger ?? noopLogger;
  const redisUrl = variable(options.env, REDIS_URL_VARIABLE);
  const databaseUrl = variable(options.env, DATABASE_URL_VARIABLE);
  // BullMQ, ioredis and pg load when a run first needs them, not with every command.
  let queue: Promise<QueueExecutor> | undefined;
  let postgres: Promise<PostgresCheckpointer> | undefined;
  let checkpointer: Checkpointer | undefined;
  const openQueue = (url: string): Promise<QueueExecutor> => {
    queue ??= import('@baton/queue').then(({ createQueueExecutor }) =>
      createQueueExecutor({
        connection: url,
        prefix: variable(options.env, QUEUE_PREFIX_VARIABLE),
        logger,
      }),
    );
    return queue;
  };
  return {
    checkpointer() {
      if (databaseUrl === undefined) return undefined;
      checkpointer ??= deferredCheckpointer(() => {
        postgres ??= import('@baton/checkpointer-postgres').then(
          ({ PostgresCheckpointer }) =>
            new PostgresCheckpointer({ connectionString: databaseUrl, logger }),
        );
        return postgres;
      });
      return checkpointer;
    },
    createExecutor:
      redisUrl === undefined
        ? undefined
        : (setup, { runId, logger: runLogger }) => {
            const bound = openQueue(redisUrl).then((executor) =>
              executor.forRun({
                runId: runId ?? newRunId(),
                limitGroup: limitGroupOf(setup),
                ...(runLogger === undefined ? {} : { logger: runLogger }),
              }),
            );
            return async (agent, context, callOptions) =>
              (await bound)(agent, context, callOptions);
          },
    async close() {
      const closing = [queue, postgres].map(async (opening) =>
        (await opening?.catch(() => undefined))?.close(),
      );
      queue = undefined;
      postgres = undefined;
      checkpointer = undefined;
      await Promise.all(closing);
    },
  };
}

/** The durable checkpointer `load` gives, loaded and opened on its first call. */
function deferredCheckpointer(load: () => Promise<Checkpointer>): Checkpointer {
  let loaded: Checkpointer | undefined;
  const target = async (): Promise<Checkpointer> => {
    loaded ??= await load();
    return loaded;
  };
  return {
    get description() {
      return loaded?.description ?? `postgres (${DATABASE_URL_VARIABLE})`;
    },
    storesEvents: true,
    createRun: async (record) => (await target()).createRun(record),
    saveRun: async (record) => (await target()).saveRun(record),
    loadRun: async (runId) => (await target()).loadRun(runId),
    listRuns: async (listOptions) => (await target()).listRuns(listOptions),
    deleteRun: async (runId) => (await target()).deleteRun(runId),
    appendEvents: async (runId, events) => (await target()).appendEvents(runId, events),
    commitStep: async (runId, checkpoint, events) =>
      (await target()).commitStep(runId, checkpoint, events),
    loadSteps: async (runId) => (await target()).loadSteps(runId),
    readEvents: async (runId, readOptions) => (await target()).readEvents(runId, readOptions),
    createDecision: async (decision) => (await target()).createDecision(decision),
    listDecisions: async (filter) => (await target()).listDecisions(filter),
    updateDecision: async (decision, expected) =>
      (await target()).updateDecision(decision, expected),
    requestCancel: async (runId, reason) => (await target()).requestCancel(runId, reason),
    cancelRequest: async (runId) => (await target()).cancelRequest(runId),
    clearCancel: async (runId) => (await target()).clearCancel(runId),
    acquireLease: async (runId, owner) => (await target()).acquireLease(runId, owner),
  };
}

/** Options of {@link startBatonWorker}. */
export interface BatonWorkerOptions extends ExecutorSelection {
  /** The project the agents work on (its `baton.config.json` is read). Default: the current directory. */
  projectDir?: string | undefined;
  /** Agent calls run at once, per limit group. Default 1. */
  concurrency?: number | undefined;
  /**
   * Runs the agents instead of the setup the environment and `baton.config.json` give (any
   * `AgentExecutor`).
   */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor?: AgentExecutor<any> | undefined;
  /** The name the worker reports with each answer. Default `<host>:<pid>`. */
  name?: string | undefined;
  /** The environment (default `process.env`): `BATON_REDIS_URL` is required. */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: Logger | undefined;
}

/**
 * Starts a worker for the runs that `createBaton()` dispatches through `BATON_REDIS_URL`: it
 * runs their agent calls with this machine's executor (selected as `baton run` selects it: the
 * agent CLIs or the model provider of the environment and `baton.config.json`), honouring the
 * `rateLimits` of `baton.config.json` (`{ "anthropic": { "max": 50, "perSeconds": 60 } }`)
 * together with every other worker.
 *
 * @example
 * ```ts
 * const worker = await startBatonWorker({ concurrency: 4 }); // BATON_REDIS_URL, ANTHROPIC_API_KEY
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export async function startBatonWorker(options: BatonWorkerOptions = {}): Promise<QueueWorker> {
  const env = options.env ?? process.env;
  const projectDir = options.projectDir ?? process.cwd();
  const logger = options.logger ?? noopLogger;
  const redisUrl = variable(env, REDIS_URL_VARIABLE);
  if (redisUrl === undefined) {
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      `${REDIS_URL_VARIABLE} is not set: a worker needs the Redis of the queue, e.g. ${REDIS_URL_VARIABLE}=redis://127.0.0.1:6379`,
    );
  }
  const { parseRateLimits, startWorker } = await import('@baton/queue');
  const { createExecutorFor, executorSpecFor, readConfigFile, resolveExecutorSetup } = await import(
    '@baton/executors'
  );
  const rateLimits = parseRateLimits(readConfigFile({ projectRoot: projectDir }).rateLimits);
  let executor = options.executor;
  let worker: QueueWorker | undefined;
  if (executor === undefined) {
    const spec = executorSpecFor(
      { agentCli: options.agentCli, worktree: options.worktree, validate: options.validate },
      { projectRoot: projectDir, env },
    );
    const setup = await resolveExecutorSetup(spec, { projectRoot: projectDir, env });
    const group = limitGroupOf(setup);
    // The model executor waits out a 429 itself (honouring Retry-After) and logs the wait: the
    // provider's queue waits as long, for every worker.
    const executorLogger: Logger = {
      debug: (message, data) => logger.debug(message, data),
      info: (message, data) => logger.info(message, data),
      error: (message, data) => logger.error(message, data),
      warn(message, data) {
        logger.warn(message, data);
        if (data?.status === 429 && typeof data.delayMs === 'number' && data.delayMs > 0) {
          worker?.rateLimit(group, data.delayMs).catch((error: unknown) =>
            logger.warn('Could not pause the rate-limited queue', {
              group,
              error: String(error),
            }),
          );
        }
      },
    };
    executor = createExecutorFor(setup, { logger: executorLogger });
    logger.info('Worker executor', { kind: setup.kind, limitGroup: group });
  }
  worker = await startWorker({
    connection: redisUrl,
    prefix: variable(env, QUEUE_PREFIX_VARIABLE),
    executor,
    concurrency: options.concurrency,
    rateLimits,
    ...(options.name === undefined ? {} : { name: options.name }),
    logger,
  });
  return worker;
}
