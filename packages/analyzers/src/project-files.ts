import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { throwIfAborted, ValidationError } from '@baton/core';
import { z } from 'zod';
import { SKIPPED_DIRECTORIES, toPosix } from './paths.js';
import { runProcess } from './process.js';

/** The files of a project and where the list came from. */
export const projectFilesSchema = z.object({
  /** Absolute project root. */
  root: z.string(),
  /** `git` when `git ls-files` listed the files, `walk` for a directory walk. */
  source: z.enum(['git', 'walk']),
  /** Project-relative paths with forward slashes, sorted. */
  files: z.array(z.string()),
});
/** The files of a project and where the list came from. */
export type ProjectFiles = z.infer<typeof projectFilesSchema>;

/** Options for {@link listProjectFiles}. */
export interface ListProjectFilesOptions {
  signal?: AbortSignal;
}

/**
 * Lists a project's files: `git ls-files` (tracked plus untracked files that are not ignored) when
 * the root is inside a git work tree, otherwise a directory walk that skips `node_modules`, `dist`,
 * `build`, `coverage`, `.git` and `vendor`. Baton's own state in `.baton/` is never listed. Paths
 * are relative to `root`, with forward slashes.
 *
 * @example
 * ```ts
 * const { files, source } = await listProjectFiles('.');
 * ```
 */
export async function listProjectFiles(
  root: string,
  options: ListProjectFilesOptions = {},
): Promise<ProjectFiles> {
  const { signal } = options;
  const absoluteRoot = path.resolve(root);
  const info = await stat(absoluteRoot).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ValidationError('root', `is not a directory: ${absoluteRoot}`);
  }
  const fromGit = (await gitFiles(absoluteRoot, signal))?.filter(isProjectFile);
  // An ignored directory inside a repository lists nothing: walk it instead.
  if (fromGit !== undefined && fromGit.length > 0) {
    return { root: absoluteRoot, source: 'git', files: fromGit };
  }
  const files: string[] = [];
  await walk(absoluteRoot, '', files, signal);
  return { root: absoluteRoot, source: 'walk', files: files.filter(isProjectFile).sort() };
}

/**
 * Not Baton's own state (`.baton/`: compositions, runs, audit log), which a run writes: the
 * figures of a project must not change because Baton looked at it before.
 */
function isProjectFile(file: string): boolean {
  return !file.startsWith('.baton/');
}

async function gitFiles(root: string, signal?: AbortSignal): Promise<string[] | undefined> {
  const result = await runProcess(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: root, timeoutSeconds: 60, signal },
  );
  if (result.exitCode !== 0) return undefined;
  const listed = [...new Set(result.stdout.split('\0').filter((file) => file !== ''))];
  // Tracked files deleted from the work tree are still listed by git; keep only files that exist.
  const present = await Promise.all(
    listed.map(async (file) => {
      const info = await stat(path.join(root, file)).catch(() => undefined);
      return info?.isFile() === true ? file : undefined;
    }),
  );
  return present.filter((file): file is string => file !== undefined).sort();
}

async function walk(
  root: string,
  relative: string,
  out: string[],
  signal?: AbortSignal,
): Promise<void> {
  throwIfAborted(signal);
  const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
  const subdirectories: string[] = [];
  for (const entry of entries) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.includes(entry.name)) subdirectories.push(child);
    } else if (entry.isFile()) {
      out.push(toPosix(child));
    }
  }
  await Promise.all(subdirectories.map((directory) => walk(root, directory, out, signal)));
}
