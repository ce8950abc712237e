import {
  closeSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { RunOwner } from '@baton/core';
import { FILE_MODE, isProcessAlive, writeFileAtomic } from './fs-utils.js';

/**
 * A run's `lock` file names the process that executes the run (`{ pid, hostname }`), and taking
 * it must be atomic and exclusive. Creating a file is the costliest file operation on a
 * journaling disk (135–175 µs each on the CI machine's ext4, a fifth of a short run's time), so
 * the lock is a hard link to one small file per owner, `<runs>/.owner-<host>-<pid>`, written once
 * per process: taking a lock is one `link`, which fails with `EEXIST` like `O_EXCL` and whose
 * content is whole from its first moment. Where hard links are not supported, the lock is a file
 * of its own, as before.
 */
const OWNER_PREFIX = '.owner-';

/** Owner files this process wrote, removed when it exits. */
const written = new Set<string>();
/** Folders whose owner files of ended processes were removed (once a process). */
const swept = new Set<string>();

let removeOnExit = false;

function removeWritten(): void {
  for (const path of written) rmSync(path, { force: true });
}

function ownerFile(runsDir: string, owner: RunOwner): string {
  const path = join(
    runsDir,
    `${OWNER_PREFIX}${owner.hostname.replace(/[^A-Za-z0-9._-]/g, '_')}-${owner.pid}`,
  );
  if (written.has(path)) return path;
  if (!swept.has(runsDir)) {
    swept.add(runsDir);
    sweepEnded(runsDir);
  }
  writeFileAtomic(path, JSON.stringify({ pid: owner.pid, hostname: owner.hostname }), {
    fsync: false,
  });
  if (!removeOnExit) {
    removeOnExit = true;
    process.once('exit', removeWritten);
  }
  written.add(path);
  return path;
}

/** Removes the owner files of processes that have ended (a SIGKILL leaves its file behind). */
function sweepEnded(runsDir: string): void {
  let names: string[];
  try {
    names = readdirSync(runsDir).filter((name) => name.startsWith(OWNER_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(runsDir, name);
    try {
      const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunOwner>;
      if (isProcessAlive(owner.pid, owner.hostname) === false) rmSync(path, { force: true });
    } catch {
      // being written by its process, or gone already
    }
  }
}

/**
 * Takes the lock file at `path` for `owner`; an `EEXIST` error when someone holds it. The lock
 * reads as `{ pid, hostname }` whichever way it was made.
 */
export function takeRunLock(runsDir: string, path: string, owner: RunOwner): void {
  const source = ownerFile(runsDir, owner);
  try {
    linkSync(source, path);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw error;
    // ENOENT: the owner file was removed under us (a cleaned folder): the next lock writes it
    // again. EPERM, ENOTSUP, EXDEV, EMLINK: no hard link here. Either way, a file of its own.
    if (code === 'ENOENT') written.delete(source);
    else if (!['EPERM', 'ENOTSUP', 'EXDEV', 'EMLINK'].includes(code ?? '')) throw error;
  }
  const descriptor = openSync(path, 'wx', FILE_MODE);
  try {
    writeSync(descriptor, JSON.stringify({ pid: owner.pid, hostname: owner.hostname }));
  } finally {
    closeSync(descriptor);
  }
}

/** Removes a lock file; one that is gone already is fine (one `unlink`, where `rmSync` stats it twice first). */
export function removeLock(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
