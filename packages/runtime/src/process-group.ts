import type { ChildProcess } from 'node:child_process';

/**
 * Kills a process group (a child spawned with `detached: true` leads its own group), falling
 * back to the process alone. Returns false when there was nothing to kill.
 */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Ties a child process group to an abort signal: on abort the whole group gets SIGTERM, then
 * SIGKILL after `graceMs` if the child has not exited. Spawn the child with `detached: true` so
 * that its own children are in the group. Returns a function that removes the binding.
 *
 * @example
 * ```ts
 * const child = spawn('claude', args, { detached: true, stdio: 'pipe' });
 * const unbind = killGroupOnAbort(child, signal);
 * child.on('exit', unbind);
 * ```
 */
export function killGroupOnAbort(
  child: ChildProcess,
  signal: AbortSignal,
  options: { graceMs?: number } = {},
): () => void {
  const graceMs = options.graceMs ?? 2000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onExit = (): void => {
    if (timer !== undefined) clearTimeout(timer);
  };
  const onAbort = (): void => {
    if (child.pid === undefined) return;
    killProcessGroup(child.pid, 'SIGTERM');
    if (child.exitCode === null && child.signalCode === null) {
      timer = setTimeout(() => {
        if (child.pid !== undefined) killProcessGroup(child.pid, 'SIGKILL');
      }, graceMs);
      timer.unref?.();
    }
  };
  child.once('exit', onExit);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    child.off('exit', onExit);
    if (timer !== undefined) clearTimeout(timer);
  };
}
