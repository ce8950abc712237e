import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BatonError, BatonErrorCode } from '@baton/core';

const run = promisify(execFile);

/** An agent's own git worktree. */
export interface AgentWorktree {
  /** Absolute path of the worktree. */
  path: string;
  /** The branch checked out in it. */
  branch: string;
}

/** Runs git without a shell and returns stdout. */
export async function git(
  cwd: string,
  args: readonly string[],
  options: { signal?: AbortSignal | undefined } = {},
): Promise<string> {
  try {
    const { stdout } = await run('git', [...args], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new BatonError(
      BatonErrorCode.EXECUTION,
      `git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`,
      { cause: error },
    );
  }
}

/**
 * Creates (or reuses) a worktree for one agent at `directory`, on a new branch `branch` starting
 * at the project's HEAD.
 */
export async function createAgentWorktree(options: {
  projectRoot: string;
  directory: string;
  branch: string;
  signal?: AbortSignal | undefined;
}): Promise<AgentWorktree> {
  const { projectRoot, directory, branch, signal } = options;
  if (existsSync(path.join(directory, '.git'))) return { path: directory, branch };
  await mkdir(path.dirname(directory), { recursive: true });
  await git(projectRoot, ['worktree', 'add', '-b', branch, directory, 'HEAD'], { signal });
  return { path: directory, branch };
}

/** Files changed in a worktree (tracked and untracked), from `git status --porcelain`. */
export async function changedFiles(directory: string): Promise<string[]> {
  const status = await git(directory, ['status', '--porcelain', '--untracked-files=all']);
  return status
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.slice(3));
}
