import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentExecutor, ExecutableAgent } from '@baton/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, type TestPrefix, testPrefix } from '../test/redis.js';
import { createQueueExecutor, type QueueExecutor } from './queue-executor.js';
import { type QueueWorker, startWorker } from './queue-worker.js';
import { parseRateLimits } from './rate-limits.js';

/** A local "model server": records when each request arrived, by path; answers 429 when told. */
async function modelServer(
  options: { limited?: (path: string, count: number) => number | undefined } = {},
) {
  const arrivals: Array<{ path: string; at: number; status: number }> = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    const count = arrivals.filter((arrival) => arrival.path === path).length + 1;
    const retryAfterSeconds = options.limited?.(path, count);
    const status = retryAfterSeconds === undefined ? 200 : 429;
    arrivals.push({ path, at: performance.now(), status });
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
    });
    response.end(JSON.stringify({ text: `answer ${count} from ${path}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Calls the model server at `/<provider>`; a 429 is thrown with its status and headers, as provider SDKs do. */
function httpExecutor(url: string): AgentExecutor {
  return async (agent, _context, { signal }) => {
    const response = await fetch(`${url}/${String((agent as { provider?: unknown }).provider)}`, {
      signal,
    });
    const body = (await response.json()) as { text: string };
    if (response.status === 429) {
      throw Object.assign(new Error(`rate limited: ${body.text}`), {
        status: 429,
        headers: Object.fromEntries(response.headers),
      });
    }
    return { output: body.text, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 } };
  };
}

/** An agent the coordinator sends to the limit group of its `provider`. */
const agentOf = (id: string, provider: string): ExecutableAgent =>
  ({ id, provider }) as ExecutableAgent;

let space: TestPrefix | undefined;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  await space?.clean();
  space = undefined;
});

function coordinator(prefix: string): QueueExecutor {
  const queue = createQueueExecutor({
    connection: TEST_REDIS_URL,
    prefix,
    limitGroup: ({ agent }) => (typeof agent.provider === 'string' ? agent.provider : undefined),
  });
  open.push(queue);
  return queue;
}

async function workers(
  count: number,
  options: Omit<Parameters<typeof startWorker>[0], 'connection'>,
) {
  const started: QueueWorker[] = [];
  for (let index = 0; index < count; index += 1) {
    const worker = await startWorker({ connection: TEST_REDIS_URL, name: `w${index}`, ...options });
    open.push(worker);
    started.push(worker);
  }
  return started;
}

/**
 * Requests per limiter window. BullMQ's limiter counts jobs started in fixed windows of
 * `windowMs` that begin with the first job; a request reaches the server a few ms after its job
 * started, so windows are counted from 100 ms before the first arrival.
 */
function perWindow(times: number[], windowMs: number): number[] {
  const start = Math.min(...times) - 100;
  const counts: number[] = [];
  for (const time of times) {
    const window = Math.floor((time - start) / windowMs);
    counts[window] = (counts[window] ?? 0) + 1;
  }
  return Array.from(counts, (count) => count ?? 0);
}

describe('rate limits', () => {
  it('holds a provider to max calls per window across all workers; other providers run free', async () => {
    space = await testPrefix('limit');
    const { prefix } = space;
    const server = await modelServer();
    open.push(server);
    await workers(2, {
      prefix,
      concurrency: 4,
      executor: httpExecutor(server.url),
      rateLimits: { anthropic: { max: 3, perSeconds: 1 } },
    });
    const queue = coordinator(prefix);
    const signal = new AbortController().signal;
    const call = (provider: string, index: number) =>
      queue(agentOf(`${provider}-${index}`, provider), {}, { signal });
    const started = performance.now();
    const [limited, free] = await Promise.all([
      Promise.all(Array.from({ length: 12 }, (_, index) => call('anthropic', index))),
      Promise.all(Array.from({ length: 12 }, (_, index) => call('openai', index))),
    ]);
    expect(limited.map((answer) => answer.output)).toHaveLength(12);
    expect(free.every((answer) => String(answer.output).startsWith('answer'))).toBe(true);

    const times = (path: string) =>
      server.arrivals.filter((arrival) => arrival.path === path).map((arrival) => arrival.at);
    const anthropic = times('/anthropic');
    const openai = times('/openai');
    expect(anthropic).toHaveLength(12);
    expect(perWindow(anthropic, 1000)).toEqual([3, 3, 3, 3]);
    // 12 calls at 3 per second: the last one starts in the fourth window.
    expect(Math.max(...anthropic) - Math.min(...anthropic)).toBeGreaterThanOrEqual(2900);
    // The unlimited provider is not held back by the limited one.
    expect(Math.max(...openai) - started).toBeLessThan(1000);
  });

  it('pauses only the provider whose call got a 429, for its Retry-After, and then runs the call', async () => {
    space = await testPrefix('retry-after');
    const { prefix } = space;
    const server = await modelServer({
      limited: (path, count) => (path === '/anthropic' && count === 1 ? 1 : undefined),
    });
    open.push(server);
    await workers(2, { prefix, concurrency: 2, executor: httpExecutor(server.url) });
    const queue = coordinator(prefix);
    const signal = new AbortController().signal;
    const first = queue(agentOf('a-1', 'anthropic'), {}, { signal });
    while (server.arrivals.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        queue(agentOf(`o-${index}`, 'openai'), {}, { signal }),
      ),
    );
    const second = queue(agentOf('a-2', 'anthropic'), {}, { signal });
    const answers = await Promise.all([first, second]);

    // Both ran after the pause, in either order (the limited call went back to the queue).
    expect(answers.map((answer) => answer.output).sort()).toEqual([
      'answer 2 from /anthropic',
      'answer 3 from /anthropic',
    ]);
    expect(others).toHaveLength(5);
    const anthropic = server.arrivals.filter((arrival) => arrival.path === '/anthropic');
    const openai = server.arrivals.filter((arrival) => arrival.path === '/openai');
    expect(anthropic.map((arrival) => arrival.status)).toEqual([429, 200, 200]);
    const pausedUntil = anthropic[0]!.at + 1000;
    // The provider's queue waited its Retry-After (both later calls, whichever worker took them) ...
    expect(anthropic[1]!.at).toBeGreaterThanOrEqual(pausedUntil - 20);
    expect(anthropic[2]!.at).toBeGreaterThanOrEqual(pausedUntil - 20);
    // ... while the other provider's calls ran during the pause.
    expect(openai).toHaveLength(5);
    expect(Math.max(...openai.map((arrival) => arrival.at))).toBeLessThan(pausedUntil);
  });

  it('reads limits as baton.config.json writes them and names a bad field', () => {
    expect(parseRateLimits({ anthropic: { max: 50, perSeconds: 60 } })).toEqual({
      anthropic: { max: 50, perSeconds: 60 },
    });
    expect(parseRateLimits(undefined)).toEqual({});
    expect(() => parseRateLimits({ anthropic: { max: 50 } })).toThrow(
      'rateLimits.anthropic.perSeconds',
    );
    expect(() => parseRateLimits({ 'bad:name': { max: 1, perSeconds: 1 } })).toThrow(
      'rateLimits.bad:name',
    );
  });
});
