import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use: `BATON_TEST_REDIS_URL`, else the machine's own on 127.0.0.1:6379. */
export const TEST_REDIS_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of one test: every queue and key it makes lives under it, deleted at the end. */
export interface TestPrefix {
  prefix: string;
  /** A client for the test's own keys (counters the workers write). */
  redis: Redis;
  /** Deletes every key under the prefix and closes the client. */
  clean(): Promise<void>;
}

/** A fresh prefix on the test Redis, with a clear error when Redis is not reachable. */
export async function testPrefix(label: string): Promise<TestPrefix> {
  const prefix = `baton-test-${label}-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${TEST_REDIS_URL} (${error instanceof Error ? error.message : String(error)}): these tests need a real server. Start it (.ci/run does: redis-server --daemonize yes --bind 127.0.0.1 --port 6379) or point BATON_TEST_REDIS_URL at one.`,
    );
  }
  return {
    prefix,
    redis,
    async clean() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

/** The hash the test workers count agent calls in (`fixtures/test-worker.mjs`). */
export const callsKey = (prefix: string): string => `${prefix}:test:calls`;
/** The hash of which worker started which agent call last. */
export const startedKey = (prefix: string): string => `${prefix}:test:started`;
