import {
  AbortedError,
  type AgentExecutionOptions,
  type AgentExecutionOutput,
  type AgentExecutor,
  abortReason,
  describeError,
  type ExecutableAgent,
  type Logger,
  noopLogger,
  type TaskGraph,
  ValidationError,
} from '@baton/core';
import { type Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  AGENT_JOB_VERSION,
  type AgentJobData,
  type AgentJobResult,
  agentJobResultSchema,
  answerOf,
  rethrown,
} from './job-protocol.js';
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

/** Which limit group (which BullMQ queue) an agent call goes to. */
export type LimitGroupOf = (call: {
  agent: ExecutableAgent & Record<string, unknown>;
  /** The engine's executor name of a fallback (`executors` key), undefined for the default. */
  executorName: string | undefined;
}) => string | undefined;

/** One agent call that a worker answered, as the coordinator saw it. */
export interface QueueDelivery {
  runId: string | undefined;
  stepId: string | undefined;
  agentId: string;
  /** The BullMQ job and its queue. */
  jobId: string;
  queue: string;
  group: string;
  /** The worker that answered. */
  worker: string;
  /** Times a worker started the job (a job a provider's 429 put back is started again). */
  attemptsStarted: number;
  /** Times the job was taken over from a worker that stopped (died, or lost its lock). */
  stalledCounter: number;
  /** Whether the call was run again after its worker stopped mid-call (`stalledCounter > 0`). */
  repeated: boolean;
  /** Seconds from enqueueing to the answer, and of that the executor's own time on the worker. */
  totalSeconds: number;
  workerSeconds: number;
}

/** Options of {@link createQueueExecutor}. */
export interface QueueExecutorOptions {
  /** Redis: a `redis://` URL (e.g. `BATON_REDIS_URL`), ioredis options or an ioredis client. */
  connection: RedisConnection;
  /** Base name of the queues (one per limit group: `<queueName>-<group>`). Default `baton-agents`. */
  queueName?: string | undefined;
  /** Redis key prefix. Default `baton`. Coordinators and workers must agree on both. */
  prefix?: string | undefined;
  /**
   * The limit group of a call. Default: the fallback's executor name (e.g. `codex`), else the
   * run's `limitGroup` (`forRun`), else `defaultGroup`.
   */
  limitGroup?: LimitGroupOf | undefined;
  /** The group of calls `limitGroup` leaves unassigned. Default `default`. */
  defaultGroup?: string | undefined;
  /** Told of every answered call: who ran it, whether it was repeated after a worker died. */
  onDelivery?: ((delivery: QueueDelivery) => void) | undefined;
  /** Completed and failed jobs are kept this long in Redis for inspection, seconds. Default 3600. */
  keepJobsSeconds?: number | undefined;
  /**
   * How long after a limit group's first call to check that a worker listens on it (a warning
   * on `logger` when none does), ms. Default 2000.
   */
  noWorkerCheckMs?: number | undefined;
  logger?: Logger | undefined;
}

/** The run a {@link QueueExecutor} sends calls for (its ids go into every job). */
export interface QueueRun {
  runId: string;
  /** The run's graph: an agent id that belongs to one step names that step in the job. */
  graph?: TaskGraph | undefined;
  /**
   * The limit group of the run's calls (e.g. the provider its executor setup uses), unless
   * `limitGroup` or a named executor decides.
   */
  limitGroup?: string | undefined;
  /** Receives the run's warnings (a call repeated after its worker stopped) instead. */
  logger?: Logger | undefined;
}

/**
 * An `AgentExecutor` that sends each agent call as a BullMQ job and resolves with the answer a
 * worker sends back. Derived executors share its connections; close the one you created.
 */
export interface QueueExecutor extends AgentExecutor {
  /** The same queues, with the run's id (and step ids, from the graph) in every job. */
  forRun(run: QueueRun): QueueExecutor;
  /** Calls run by the worker's executor of this name (for the engine's `executors` map). */
  named(executorName: string): QueueExecutor;
  /** The BullMQ queue names used so far, by limit group. */
  queues(): Record<string, string>;
  /** Waits until Redis answers (a clear error when it does not). */
  ready(): Promise<void>;
  /** Closes the queues and connections (calls still waiting reject). */
  close(): Promise<void>;
}

interface GroupQueue {
  queue: Queue;
  events: QueueEvents;
  eventsRedis: Redis;
  ready: Promise<void>;
}

interface Binding {
  runId: string | undefined;
  group: string | undefined;
  logger: Logger | undefined;
  steps: Map<string, string | undefined> | undefined;
  executorName: string | undefined;
}

/** The shared part of every executor derived from one {@link createQueueExecutor}. */
class Dispatcher {
  readonly layout: QueueLayout;
  readonly #redis: Redis;
  readonly #queues = new Map<string, GroupQueue>();
  readonly #registered = new Map<string, Promise<void>>();
  readonly #options: QueueExecutorOptions;
  readonly #logger: Logger;
  readonly #defaultGroup: string;
  readonly #keepSeconds: number;
  readonly #noWorkerCheckMs: number;
  #closed = false;

  constructor(options: QueueExecutorOptions) {
    this.#options = options;
    this.layout = layoutOf(options);
    this.#defaultGroup = checkName('defaultGroup', options.defaultGroup ?? DEFAULT_GROUP);
    const keep = options.keepJobsSeconds ?? 3600;
    if (!Number.isFinite(keep) || keep < 0) {
      throw new ValidationError('keepJobsSeconds', `must be a number >= 0, got ${keep}`);
    }
    this.#keepSeconds = keep;
    const check = options.noWorkerCheckMs ?? 2000;
    if (!Number.isFinite(check) || check < 0) {
      throw new ValidationError('noWorkerCheckMs', `must be a number >= 0, got ${check}`);
    }
    this.#noWorkerCheckMs = check;
    this.#logger = options.logger ?? noopLogger;
    this.#redis = openRedis(options.connection);
    this.#redis.on('error', (error) =>
      this.#logger.warn('Redis connection error (coordinator)', { error: describeError(error) }),
    );
  }

  async ready(): Promise<void> {
    await pingRedis(this.#redis);
  }

  groupOf(agent: ExecutableAgent, binding: Binding): string {
    const { executorName } = binding;
    const chosen =
      this.#options.limitGroup?.({
        agent: agent as ExecutableAgent & Record<string, unknown>,
        executorName,
      }) ??
      executorName ??
      binding.group ??
      this.#defaultGroup;
    return checkName('limit group', chosen);
  }

  queues(): Record<string, string> {
    return Object.fromEntries([...this.#queues].map(([group, { queue }]) => [group, queue.name]));
  }

  /** The queue of a group, its events, and the group announced to the workers. */
  #queueOf(group: string): GroupQueue {
    let entry = this.#queues.get(group);
    if (entry === undefined) {
      const name = groupQueueName(this.layout, group);
      const queue = new Queue(name, { connection: this.#redis, prefix: this.layout.prefix });
      // QueueEvents blocks on its connection (XREAD): it gets one of its own.
      const eventsRedis = openRedis(this.#redis);
      const events = new QueueEvents(name, { connection: eventsRedis, prefix: this.layout.prefix });
      // Every call waiting on this queue listens on both.
      queue.setMaxListeners(0);
      events.setMaxListeners(0);
      const onError = (error: Error): void =>
        this.#logger.warn('BullMQ error (coordinator)', { queue: name, error: error.message });
      queue.on('error', onError);
      events.on('error', onError);
      eventsRedis.on('error', onError);
      const ready = Promise.all([events.waitUntilReady(), this.#announce(group)]).then(() => {});
      entry = { queue, events, eventsRedis, ready };
      this.#queues.set(group, entry);
      // Calls wait for a worker as long as their time limit allows: say so when none listens
      // (after a moment, since running workers start listening on a new group when told).
      const check = setTimeout(() => {
        queue.getWorkersCount().then(
          (count) => {
            if (count === 0 && !this.#closed) {
              this.#logger.warn(
                `No worker listens on queue ${name}: its agent calls wait until one does (start \`baton worker\` with the same BATON_REDIS_URL and BATON_QUEUE_PREFIX)`,
                { queue: name },
              );
            }
          },
          () => {},
        );
      }, this.#noWorkerCheckMs);
      check.unref();
    }
    return entry;
  }

  /** Adds the group to the set workers listen on, and tells the running workers. */
  #announce(group: string): Promise<void> {
    let pending = this.#registered.get(group);
    if (pending === undefined) {
      const message: ControlMessage = { type: 'group', group };
      pending = this.#redis
        .sadd(groupsKey(this.layout), group)
        .then(() => this.#redis.publish(controlChannel(this.layout), JSON.stringify(message)))
        .then(() => {});
      pending.catch(() => this.#registered.delete(group));
      this.#registered.set(group, pending);
    }
    return pending;
  }

  async call(
    binding: Binding,
    agent: ExecutableAgent,
    context: Record<string, unknown>,
    options: AgentExecutionOptions,
  ): Promise<AgentExecutionOutput> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    if (this.#closed) throw new AbortedError('The queue executor is closed');
    const group = this.groupOf(agent, binding);
    const stepId = binding.steps?.get(agent.id);
    // Serialised by BullMQ when added: the engine's objects may change afterwards.
    const data: AgentJobData = {
      version: AGENT_JOB_VERSION,
      agent: agent as AgentJobData['agent'],
      context,
      group,
      enqueuedAt: Date.now(),
      ...(binding.runId === undefined ? {} : { runId: binding.runId }),
      ...(stepId === undefined ? {} : { stepId }),
      ...(binding.executorName === undefined ? {} : { executorName: binding.executorName }),
    };
    const { queue, events, ready } = this.#queueOf(group);
    await ready;
    const job = await queue.add(`agent ${agent.id}`, data, {
      attempts: 1,
      removeOnComplete: { age: this.#keepSeconds },
      removeOnFail: { age: this.#keepSeconds },
    });
    const jobId = job.id!;
    if (signal?.aborted) {
      await this.#cancel(queue, job, describeError(signal.reason));
      throw abortReason(signal);
    }
    const raw = await new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => {
        void this.#cancel(queue, job, describeError(signal.reason));
        reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      job.waitUntilFinished(events).then(
        (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(
            new Error(
              `Job ${jobId} of queue ${queue.name} failed on its worker: ${describeError(error)}`,
            ),
          );
        },
      );
    });
    const parsed = agentJobResultSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `Job ${jobId} of queue ${queue.name} returned a result this coordinator cannot read (${issue?.path.join('.') || 'result'}: ${issue?.message}): are the workers on another version of @baton/queue?`,
      );
    }
    const result: AgentJobResult = parsed.data;
    this.#deliver(binding.logger ?? this.#logger, options.onNotice, {
      runId: binding.runId,
      stepId,
      agentId: agent.id,
      jobId,
      queue: queue.name,
      group,
      worker: result.worker,
      attemptsStarted: result.attemptsStarted,
      stalledCounter: result.stalledCounter,
      repeated: result.stalledCounter > 0,
      totalSeconds: (Date.now() - data.enqueuedAt) / 1000,
      workerSeconds: result.durationSeconds,
    });
    if (result.thrown !== undefined) throw rethrown(result.thrown, result.worker);
    return answerOf(result);
  }

  #deliver(
    logger: Logger,
    onNotice: AgentExecutionOptions['onNotice'],
    delivery: QueueDelivery,
  ): void {
    if (delivery.repeated) {
      const message = `Agent ${delivery.agentId} was run again on worker ${delivery.worker}: the worker that had it stopped mid-call (only that call was repeated)`;
      logger.warn(message, { ...delivery });
      // The run's report says so too (a run-notice of the step).
      onNotice?.(message);
    }
    try {
      this.#options.onDelivery?.(delivery);
    } catch (error) {
      this.#logger.warn('onDelivery threw', { error: describeError(error) });
    }
  }

  /**
   * Takes a job back: removed while it waits; when a worker has it, a cancel marker (read before
   * it starts) and a message to the workers (the one running it aborts the agent's signal).
   */
  async #cancel(queue: Queue, job: Job, reason: string): Promise<void> {
    const jobId = job.id!;
    try {
      await this.#redis.set(
        cancelKey(this.layout, queue.name, jobId),
        reason,
        'PX',
        Math.max(60_000, this.#keepSeconds * 1000),
      );
      const removed = await queue.remove(jobId).catch(() => 0);
      if (removed === 1) return;
      const message: ControlMessage = { type: 'cancel', queue: queue.name, jobId, reason };
      await this.#redis.publish(controlChannel(this.layout), JSON.stringify(message));
    } catch (error) {
      this.#logger.warn('Could not cancel a job', { jobId, error: describeError(error) });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const entries = [...this.#queues.values()];
    this.#queues.clear();
    await Promise.allSettled(
      entries.flatMap(({ queue, events }) => [events.close(), queue.close()]),
    );
    await Promise.allSettled(
      entries.map(({ eventsRedis }) => eventsRedis.quit().catch(() => eventsRedis.disconnect())),
    );
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/** Waits for Redis to answer a PING, with an error naming the server when it does not. */
export async function pingRedis(redis: Redis, timeoutMs = 5000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `Redis at ${redis.options.host ?? '?'}:${redis.options.port ?? '?'} did not answer within ${timeoutMs} ms (is it running? BATON_REDIS_URL)`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function stepsOf(graph: TaskGraph | undefined): Map<string, string | undefined> | undefined {
  if (graph === undefined) return undefined;
  const steps = new Map<string, string | undefined>();
  const claim = (agentId: string, stepId: string): void => {
    // An agent id of two steps names neither.
    steps.set(agentId, steps.has(agentId) && steps.get(agentId) !== stepId ? undefined : stepId);
  };
  for (const step of graph.steps) {
    if (step.agent !== undefined) claim(step.agent.id, step.id);
    for (const fallback of step.fallbacks ?? []) {
      if (fallback.agent !== undefined) claim(fallback.agent.id, step.id);
    }
  }
  return steps;
}

function executorFor(dispatcher: Dispatcher, binding: Binding): QueueExecutor {
  const executor = (
    agent: ExecutableAgent,
    context: Record<string, unknown>,
    options: AgentExecutionOptions,
  ): Promise<AgentExecutionOutput> => dispatcher.call(binding, agent, context, options);
  return Object.assign(executor, {
    forRun: (run: QueueRun) => {
      if (typeof run?.runId !== 'string' || run.runId === '') {
        throw new ValidationError('runId', 'must be a non-empty string');
      }
      return executorFor(dispatcher, {
        ...binding,
        runId: run.runId,
        steps: stepsOf(run.graph),
        group:
          run.limitGroup === undefined ? binding.group : checkName('limitGroup', run.limitGroup),
        logger: run.logger ?? binding.logger,
      });
    },
    named: (executorName: string) =>
      executorFor(dispatcher, {
        ...binding,
        executorName: checkName('executorName', executorName),
      }),
    queues: () => dispatcher.queues(),
    ready: () => dispatcher.ready(),
    close: () => dispatcher.close(),
  });
}

/**
 * An executor for the engine that runs nothing itself: each agent call becomes one BullMQ job on
 * its limit group's queue, a worker ({@link startWorker}) runs it with its own executors, and
 * the answer comes back as the job's result. The engine keeps all scheduling (dependencies,
 * conditions, retries, fallbacks, budgets, escalations): only executor calls travel. An aborted
 * call (cancel, time limit) takes its job back: removed while waiting, aborted on its worker.
 *
 * @example
 * ```ts
 * const queue = createQueueExecutor({ connection: process.env.BATON_REDIS_URL! });
 * const runId = newRunId();
 * const result = await runtime.run(graph, { runId, executor: queue.forRun({ runId, graph }) });
 * await queue.close();
 * ```
 */
export function createQueueExecutor(options: QueueExecutorOptions): QueueExecutor {
  if (options === null || typeof options !== 'object' || options.connection === undefined) {
    throw new ValidationError('connection', 'is required (a redis:// URL such as BATON_REDIS_URL)');
  }
  const dispatcher = new Dispatcher(options);
  return executorFor(dispatcher, {
    runId: undefined,
    group: undefined,
    logger: undefined,
    steps: undefined,
    executorName: undefined,
  });
}
