import { hostname } from 'node:os';
import {
  type AgentExecutor,
  describeError,
  type Logger,
  noopLogger,
  retryAfterMsOf,
  toJsonSafe,
  ValidationError,
} from '@baton/core';
import { type Job, Queue, Worker } from 'bullmq';
import {
  AGENT_JOB_VERSION,
  type AgentJobResult,
  agentJobDataSchema,
  describeThrown,
  type ThrownError,
} from './job-protocol.js';
import { pingRedis } from './queue-executor.js';
import {
  type ControlMessage,
  cancelKey,
  checkName,
  controlChannel,
  DEFAULT_GROUP,
  groupQueueName,
  groupsKey,
  layoutOf,
  openRedis,
  type QueueLayout,
  type RedisConnection,
} from './queue-names.js';
import { bullLimiter, parseRateLimits, type RateLimits } from './rate-limits.js';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Redis: a `redis://` URL (e.g. `BATON_REDIS_URL`), ioredis options or an ioredis client. */
  connection: RedisConnection;
  /** Runs the calls the coordinator's default executor sent. */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any>;
  /** Runs the calls sent by the coordinator's named executors (`queue.named('codex')`). */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executors?: Record<string, AgentExecutor<any>> | undefined;
  /** Agent calls this worker runs at once in each limit group. Default 1. */
  concurrency?: number | undefined;
  /**
   * Rate limits by limit group, `{ anthropic: { max: 50, perSeconds: 60 } }`: BullMQ's limiter
   * on the group's queue, counted in Redis, so they hold across all workers (give every worker
   * the same limits).
   */
  rateLimits?: RateLimits | undefined;
  /** Base name of the queues. Default `baton-agents`. */
  queueName?: string | undefined;
  /** Redis key prefix. Default `baton`. */
  prefix?: string | undefined;
  /** The name this worker reports with each answer. Default `<host>:<pid>`. */
  name?: string | undefined;
  /**
   * How long a worker's lock on a job lasts without renewal, ms: a worker that dies (SIGKILL,
   * lost machine) has its job run by another worker this long after, at the latest (plus
   * `stalledIntervalMs`). Renewed every half of it while the worker lives. Default 30 000.
   */
  lockDurationMs?: number | undefined;
  /** How often workers look for jobs whose worker is gone, ms. Default 30 000. */
  stalledIntervalMs?: number | undefined;
  /**
   * Times a job may be taken over from a dead worker before it fails (the in-flight call is
   * repeated at most this often). Default 1.
   */
  maxStalledCount?: number | undefined;
  /**
   * The longest `Retry-After` of a rate-limited call (429) that pauses its group's queue, ms;
   * a longer one goes back to the engine as a retryable error. Default 60 000.
   */
  maxRetryAfterMs?: number | undefined;
  logger?: Logger | undefined;
}

/** A running worker. */
export interface QueueWorker {
  /** The name it reports with each answer. */
  readonly name: string;
  /** The limit groups it listens on now. */
  groups(): string[];
  /**
   * Pauses a limit group's queue for every worker, for `ms` (a provider's `Retry-After` seen
   * by an executor that waits it out itself): no call of that group starts meanwhile.
   */
  rateLimit(group: string, ms: number): Promise<void>;
  /**
   * Stops taking jobs and waits for the ones it runs to finish (`force`: aborts them instead;
   * they go back to the queue for another worker once their lock expires).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

interface GroupWorker {
  worker: Worker;
  queue: Queue;
}

function positive(field: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) {
    throw new ValidationError(field, `must be a number > 0, got ${String(value)}`);
  }
  return chosen;
}

/**
 * Starts a worker: it listens on every limit group's queue that coordinators use (discovered in
 * Redis, so a new provider needs no restart), runs each job's agent call with its own executors,
 * and answers with the executor's answer. A 429 with `Retry-After` pauses that group's queue for
 * every worker (`queue.rateLimit`) and puts the job back, without touching other groups. A
 * cancelled job's agent is aborted. A worker killed mid-job leaves the job to stall; another
 * worker runs it again (the answer says `attemptsStarted: 2`).
 *
 * @example
 * ```ts
 * const worker = await startWorker({
 *   connection: process.env.BATON_REDIS_URL!,
 *   executor: createExecutor(...),
 *   concurrency: 4,
 *   rateLimits: { anthropic: { max: 50, perSeconds: 60 } },
 * });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  if (options === null || typeof options !== 'object' || options.connection === undefined) {
    throw new ValidationError('connection', 'is required (a redis:// URL such as BATON_REDIS_URL)');
  }
  if (typeof options.executor !== 'function') {
    throw new ValidationError('executor', 'must be an AgentExecutor function');
  }
  for (const [key, value] of Object.entries(options.executors ?? {})) {
    if (typeof value !== 'function') {
      throw new ValidationError(`executors.${key}`, 'must be an AgentExecutor function');
    }
  }
  const concurrency = positive('concurrency', options.concurrency, 1);
  if (!Number.isInteger(concurrency)) {
    throw new ValidationError('concurrency', `must be an integer >= 1, got ${concurrency}`);
  }
  const rateLimits = parseRateLimits(options.rateLimits);
  const layout: QueueLayout = layoutOf(options);
  const lockDuration = positive('lockDurationMs', options.lockDurationMs, 30_000);
  const stalledInterval = positive('stalledIntervalMs', options.stalledIntervalMs, 30_000);
  const maxStalledCount = options.maxStalledCount ?? 1;
  if (!Number.isInteger(maxStalledCount) || maxStalledCount < 0) {
    throw new ValidationError('maxStalledCount', `must be an integer >= 0, got ${maxStalledCount}`);
  }
  const maxRetryAfterMs = positive('maxRetryAfterMs', options.maxRetryAfterMs, 60_000);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const logger = options.logger ?? noopLogger;

  const redis = openRedis(options.connection);
  const subscriber = openRedis(options.connection);
  for (const client of [redis, subscriber]) {
    client.on('error', (error) =>
      logger.warn('Redis connection error (worker)', { error: describeError(error) }),
    );
  }
  try {
    await pingRedis(redis);
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    throw error;
  }

  const workers = new Map<string, GroupWorker>();
  let closing = false;

  const runJob = async (
    job: Job,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<AgentJobResult> => {
    const clock = performance.now();
    const answer = (fields: Partial<AgentJobResult>): AgentJobResult => ({
      worker: name,
      attemptsStarted: job.attemptsStarted,
      stalledCounter: job.stalledCounter,
      durationSeconds: Math.round(performance.now() - clock) / 1000,
      ...fields,
    });
    const fail = (thrown: Omit<ThrownError, 'retryable'> & { retryable?: boolean }) =>
      answer({ thrown: { retryable: false, ...thrown } });
    const parsed = agentJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const version = (job.data as { version?: unknown } | null)?.version;
      return fail({
        name: 'ValidationError',
        message:
          version !== AGENT_JOB_VERSION
            ? `job format ${String(version)} is not the format ${AGENT_JOB_VERSION} this worker reads: are the coordinator and the workers on the same @baton/queue?`
            : `invalid job data: ${issue?.path.join('.') || 'data'}: ${issue?.message}`,
      });
    }
    const data = parsed.data;
    const executor =
      data.executorName === undefined ? options.executor : options.executors?.[data.executorName];
    if (executor === undefined) {
      return fail({
        name: 'ConfigurationError',
        message: `worker ${name} has no executor named "${data.executorName}" (give every worker the same executors)`,
      });
    }
    const cancelled = await redis.get(cancelKey(layout, job.queueName, job.id!));
    if (cancelled !== null) {
      return fail({ name: 'AbortError', message: `cancelled before it started: ${cancelled}` });
    }
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const output = await executor(data.agent, data.context, { signal: controller.signal });
      // What travels must survive JSON: anything else becomes a descriptive string.
      return answer({ answer: toJsonSafe(output) as AgentJobResult['answer'] });
    } catch (error) {
      const waitMs = retryAfterMsOf(error);
      const status = (error as { status?: unknown; statusCode?: unknown } | null) ?? {};
      const limited = status.status === 429 || status.statusCode === 429;
      if (
        !controller.signal.aborted &&
        limited &&
        waitMs !== undefined &&
        waitMs <= maxRetryAfterMs
      ) {
        // The provider asked to wait: its group's queue waits (every worker), the job goes back.
        const group = workers.get(job.queueName);
        if (group !== undefined) {
          await group.queue.rateLimit(Math.max(1, waitMs));
          logger.info('Rate limited by the provider: its queue waits', {
            queue: job.queueName,
            waitMs,
          });
          throw Worker.RateLimitError();
        }
      }
      return answer({ thrown: describeThrown(error) });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };

  const listen = (group: string): void => {
    if (closing) return;
    let checked: string;
    try {
      checked = checkName('group', group);
    } catch {
      logger.warn('Ignored a limit group with an invalid name', { group });
      return;
    }
    const queueName = groupQueueName(layout, checked);
    if (workers.has(queueName)) return;
    const limit = rateLimits[checked];
    const worker = new Worker(queueName, runJob, {
      connection: redis,
      prefix: layout.prefix,
      concurrency,
      name,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
      limiter: bullLimiter(limit),
    });
    worker.on('error', (error) =>
      logger.warn('BullMQ worker error', { queue: queueName, error: error.message }),
    );
    const queue = new Queue(queueName, { connection: redis, prefix: layout.prefix });
    queue.on('error', (error) =>
      logger.warn('BullMQ queue error', { queue: queueName, error: error.message }),
    );
    workers.set(queueName, { worker, queue });
    logger.info('Listening on a limit group', { queue: queueName, limit });
  };

  subscriber.on('message', (_channel: string, text: string) => {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      return;
    }
    if (message.type === 'group') listen(message.group);
    else if (message.type === 'cancel') {
      workers.get(message.queue)?.worker.cancelJob(message.jobId, message.reason);
    }
  });
  await subscriber.subscribe(controlChannel(layout));
  // Subscribed first: a group announced from now on is heard; the ones before are in the set.
  const known = await redis.smembers(groupsKey(layout));
  for (const group of new Set([DEFAULT_GROUP, ...Object.keys(rateLimits), ...known])) listen(group);
  await Promise.all([...workers.values()].map(({ worker }) => worker.waitUntilReady()));

  return {
    name,
    groups: () => [...workers.keys()],
    async rateLimit(group, ms) {
      const queueName = groupQueueName(layout, checkName('group', group));
      if (!Number.isFinite(ms) || ms <= 0) {
        throw new ValidationError('ms', `must be a number > 0, got ${String(ms)}`);
      }
      listen(group);
      const entry = workers.get(queueName);
      if (entry === undefined) return;
      await entry.queue.rateLimit(Math.ceil(ms));
      logger.info('Rate limited by the provider: its queue waits', {
        queue: queueName,
        waitMs: ms,
      });
    },
    close: async ({ force = false } = {}) => {
      if (closing) return;
      closing = true;
      await subscriber.quit().catch(() => subscriber.disconnect());
      const all = [...workers.values()];
      if (force) for (const { worker } of all) worker.cancelAllJobs('worker closing');
      await Promise.allSettled(all.map(({ worker }) => worker.close(force)));
      await Promise.allSettled(all.map(({ queue }) => queue.close()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
