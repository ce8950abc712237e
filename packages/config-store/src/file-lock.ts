import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  backoffDelay,
  delay,
  describeError,
  type Logger,
  noopLogger,
  TimeoutError,
  throwIfAborted,
} from '@baton/core';

/** How a store waits for, and recovers, the lock that serialises writers of one record. */
export interface LockOptions {
  /** Give up waiting for the lock after this many seconds with a `TimeoutError`. Default 10. */
  timeoutSeconds?: number;
  /**
   * A lock file older than this many seconds is considered abandoned and removed. Default 10.
   * A lock whose owner process (on this host) no longer exists is removed at once.
   */
  staleSeconds?: number;
}

/** Defaults of {@link LockOptions}. */
export const DEFAULT_LOCK_OPTIONS: Readonly<Required<LockOptions>> = Object.freeze({
  timeoutSeconds: 10,
  staleSeconds: 10,
});

interface LockOwner {
  pid: number;
  hostname: string;
  token: string;
  acquiredAt: string;
}

interface LockState {
  owner: LockOwner | undefined;
  ageMs: number;
  ino: number;
  mtimeMs: number;
}

interface WithFileLockOptions extends LockOptions {
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

/**
 * Runs `operation` while holding the lock file `lockPath`, shared by every process that uses the
 * same path. The lock is a file created with `open(path, 'wx')` (fails when it exists, on every
 * local file system) holding the owner's pid, host and a random token. Waiters poll with short
 * jittered backoff (2 ms growing to 50 ms) until `timeoutSeconds`, then throw a `TimeoutError`.
 * A lock is stale when its owner process on this host is gone or it is older than
 * `staleSeconds`; stale locks are removed by one waiter at a time (guarded by a second
 * `<lock>.break` file) so two waiters never both delete a fresh lock. The signal is honoured while
 * waiting; once the lock is held the operation runs to completion so no write is left half done.
 */
export async function withFileLock<T>(
  lockPath: string,
  operation: () => Promise<T>,
  options: WithFileLockOptions = {},
): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await operation();
  } finally {
    await release(lockPath, token, options.logger ?? noopLogger);
  }
}

async function acquire(lockPath: string, options: WithFileLockOptions): Promise<string> {
  const {
    timeoutSeconds = DEFAULT_LOCK_OPTIONS.timeoutSeconds,
    staleSeconds = DEFAULT_LOCK_OPTIONS.staleSeconds,
    signal,
    logger = noopLogger,
  } = options;
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    token: randomBytes(12).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
  const deadline = performance.now() + timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal);
    if (await tryCreate(lockPath, owner)) return owner.token;
    const state = await inspect(lockPath);
    if (state === undefined) continue; // released in the meantime: try again at once
    if (staleReason(state, staleSeconds) !== undefined) {
      if (await breakStaleLock(lockPath, staleSeconds, logger)) continue;
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      throw new TimeoutError(timeoutSeconds, `Waiting for the lock ${lockPath}`);
    }
    const wait = backoffDelay(attempt, { initialDelayMs: 2, maxDelayMs: 50, factor: 1.5 });
    await delay(Math.min(wait, remaining), { signal });
  }
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner), 'utf8');
  } catch (error) {
    await handle.close();
    await unlink(lockPath).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

/**
 * Removes the lock if it is still ours. Never throws, so that it cannot hide the operation's own
 * result or error; a lock it fails to remove is logged and becomes stale.
 */
async function release(lockPath: string, token: string, logger: Logger): Promise<void> {
  const owner = await readOwner(lockPath);
  if (owner?.token !== token) {
    logger.warn('Lock was removed as stale before it was released', { lockPath });
    return;
  }
  try {
    await unlink(lockPath);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') {
      logger.warn('Could not remove a lock file; it will be treated as stale', {
        lockPath,
        error: describeError(error),
      });
    }
  }
}

async function inspect(lockPath: string): Promise<LockState | undefined> {
  try {
    const stats = await stat(lockPath);
    const owner = await readOwner(lockPath);
    return { owner, ageMs: Date.now() - stats.mtimeMs, ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The lock's owner, or undefined when the file is gone, still empty or unreadable. */
async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const data: unknown = JSON.parse(await readFile(lockPath, 'utf8'));
    if (
      typeof data === 'object' &&
      data !== null &&
      Number.isInteger((data as LockOwner).pid) &&
      (data as LockOwner).pid > 0 &&
      typeof (data as LockOwner).hostname === 'string' &&
      typeof (data as LockOwner).token === 'string'
    ) {
      return data as LockOwner;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function staleReason(state: LockState, staleSeconds: number): string | undefined {
  const { owner } = state;
  if (owner !== undefined && owner.hostname === hostname() && !isProcessAlive(owner.pid)) {
    return `owner process ${owner.pid} no longer exists`;
  }
  if (state.ageMs > staleSeconds * 1000) return `older than ${staleSeconds}s`;
  return undefined;
}

/** Removes a stale lock unless another waiter is doing so. True when the caller should retry now. */
async function breakStaleLock(
  lockPath: string,
  staleSeconds: number,
  logger: Logger,
): Promise<boolean> {
  const breaker = `${lockPath}.break`;
  try {
    await (await open(breaker, 'wx')).close();
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    // Another waiter is breaking the lock; clear its guard only if that waiter died doing so.
    const stats = await stat(breaker).catch(() => undefined);
    if (stats !== undefined && Date.now() - stats.mtimeMs > staleSeconds * 1000) {
      await unlink(breaker).catch(ignoreMissing);
    }
    return false;
  }
  try {
    const state = await inspect(lockPath);
    if (state === undefined) return true;
    const reason = staleReason(state, staleSeconds);
    if (reason === undefined) return false;
    const again = await stat(lockPath).catch(() => undefined);
    if (again === undefined || again.ino !== state.ino || again.mtimeMs !== state.mtimeMs) {
      return true; // replaced meanwhile: look again
    }
    await unlink(lockPath).catch(ignoreMissing);
    logger.warn('Removed a stale lock', { lockPath, reason, owner: state.owner });
    return true;
  } finally {
    await unlink(breaker).catch(ignoreMissing);
  }
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** The `code` of a Node.js system error, if any. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== 'ENOENT') throw error;
}
