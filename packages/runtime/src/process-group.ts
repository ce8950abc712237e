import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { AgentProcess } from '@baton/core';
import { HOSTNAME, isZombie } from './fs-utils.js';

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

/**
 * When the operating system started a process (Linux: field 22 of `/proc/<pid>/stat`, in clock
 * ticks since boot), to tell a process from a later one that got the same pid. Undefined where
 * it cannot be read.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a process group still has a live member. Only the leader can be checked for having
 * ended unreaped (a zombie, e.g. re-parented to an init that does not reap): a group whose leader
 * is a zombie counts as live only while signalling it still reaches another member.
 */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!isZombie(pid)) return true;
  return groupMembers(pid).some((member) => member !== pid && !isZombie(member));
}

/** The processes of a group (Linux `/proc`; empty where unknown). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/**
 * Ends a whole process group: SIGTERM, then SIGKILL to whatever is left after `graceMs`, and
 * waits until the group is gone (at most `graceMs` more). Resolves with what it took.
 */
export async function endProcessGroup(
  pid: number,
  options: { graceMs?: number } = {},
): Promise<'gone' | 'terminated' | 'killed'> {
  const graceMs = options.graceMs ?? 2000;
  if (!groupAlive(pid)) return 'gone';
  killProcessGroup(pid, 'SIGTERM');
  if (await waitUntil(() => !groupAlive(pid), graceMs)) return 'terminated';
  killProcessGroup(pid, 'SIGKILL');
  await waitUntil(() => !groupAlive(pid), graceMs);
  return 'killed';
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

/**
 * Ends an agent process group a stopped run left behind, if it is still that process (same host,
 * same start time); says what it did, or undefined when there was nothing to do.
 */
export async function endLeftoverAgent(
  agent: AgentProcess,
  options: { graceMs?: number } = {},
): Promise<string | undefined> {
  const what = `agent process ${agent.pid}${agent.command === undefined ? '' : ` (${agent.command})`}`;
  if (agent.hostname !== HOSTNAME) {
    return `${what} was started on ${agent.hostname}; end it there if it is still running`;
  }
  if (!groupAlive(agent.pid)) return undefined;
  const startTime = processStartTime(agent.pid);
  if (agent.startTime !== undefined && startTime !== undefined && startTime !== agent.startTime) {
    return undefined;
  }
  const outcome = await endProcessGroup(agent.pid, options);
  if (outcome === 'gone') return undefined;
  return `${what} and its process group were still running from the stopped run: ${outcome === 'terminated' ? 'ended with SIGTERM' : 'killed with SIGKILL after SIGTERM was ignored'} before the step runs again`;
}

/** What a run records about an agent process it started (see `describeProcess` of the engine). */
export function describeAgentProcess(pid: number): { hostname: string; startTime?: string } {
  const startTime = processStartTime(pid);
  return startTime === undefined ? { hostname: HOSTNAME } : { hostname: HOSTNAME, startTime };
}
