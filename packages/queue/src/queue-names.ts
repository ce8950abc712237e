import { ValidationError } from '@baton/core';
import { Redis, type RedisOptions } from 'ioredis';

/** The base name of the agent queues unless configured: one BullMQ queue per limit group under it. */
export const DEFAULT_QUEUE_NAME = 'baton-agents';

/** The Redis key prefix of every queue and key unless configured. */
export const DEFAULT_PREFIX = 'baton';

/** The limit group of calls nobody assigned to one. */
export const DEFAULT_GROUP = 'default';

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Checks a queue, group or prefix name: letters, digits, `_`, `.`, `-` (BullMQ refuses `:`). */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ValidationError(
      field,
      `must be 1-100 letters, digits, "_", "." or "-", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Where a queue's coordinator and workers meet in Redis. */
export interface QueueLayout {
  prefix: string;
  queueName: string;
}

/** The layout of `{ prefix, queueName }` options, defaults applied and names checked. */
export function layoutOf(options: {
  prefix?: string | undefined;
  queueName?: string | undefined;
}): QueueLayout {
  return {
    prefix: checkName('prefix', options.prefix ?? DEFAULT_PREFIX),
    queueName: checkName('queueName', options.queueName ?? DEFAULT_QUEUE_NAME),
  };
}

/** The BullMQ queue of a limit group: `<queueName>-<group>`. */
export function groupQueueName(layout: QueueLayout, group: string): string {
  return `${layout.queueName}-${group}`;
}

/** The set of limit groups coordinators have used (workers listen on all of them). */
export function groupsKey(layout: QueueLayout): string {
  return `${layout.prefix}:${layout.queueName}:baton:groups`;
}

/** The channel of control messages (new groups, cancelled jobs). */
export function controlChannel(layout: QueueLayout): string {
  return `${layout.prefix}:${layout.queueName}:baton:control`;
}

/** The marker of a cancelled job, read by a worker before it starts the job. */
export function cancelKey(layout: QueueLayout, queue: string, jobId: string): string {
  return `${layout.prefix}:${layout.queueName}:baton:cancel:${queue}:${jobId}`;
}

/** A message on the {@link controlChannel}. */
export type ControlMessage =
  | { type: 'group'; group: string }
  | { type: 'cancel'; queue: string; jobId: string; reason: string };

/** How to reach Redis: a `redis://` URL (e.g. `BATON_REDIS_URL`), ioredis options, or a client. */
export type RedisConnection = string | RedisOptions | Redis;

/**
 * A new client for a connection (BullMQ needs `maxRetriesPerRequest: null`: commands wait for a
 * reconnect instead of failing).
 */
export function openRedis(connection: RedisConnection, field = 'connection'): Redis {
  if (connection instanceof Redis) return connection.duplicate({ maxRetriesPerRequest: null });
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new ValidationError(field, `must be a redis:// or rediss:// URL, got "${connection}"`);
    }
    return new Redis(connection, { maxRetriesPerRequest: null });
  }
  if (connection === null || typeof connection !== 'object') {
    throw new ValidationError(
      field,
      'must be a redis:// URL, ioredis options or an ioredis client',
    );
  }
  return new Redis({ ...connection, maxRetriesPerRequest: null });
}
