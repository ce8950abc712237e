import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BatonError, BatonErrorCode, throwIfAborted } from '@baton/core';

const execFileAsync = promisify(execFile);

/**
 * How a snapshot finds changes: `git` (git status and git diff against the commit checked out
 * when it was taken) or `file-hashes` (a hash of every file before and after, for a project that
 * git cannot watch).
 */
export type ChangeDetectionMethod = 'git' | 'file-hashes';

/** A file that differs from the snapshot. */
export interface ProjectChange {
  /** Project-relative path with forward slashes. */
  path: string;
  /** `changed`: the file existed and was modified or deleted; `created`: it did not exist. */
  kind: 'changed' | 'created';
}

/**
 * A project's files as they were at one moment, to find and undo what an agent changed since.
 * Never covers `.git/`, `node_modules/` or Baton's own state in `.baton/` (prompts, logs).
 */
export interface ProjectSnapshot {
  readonly method: ChangeDetectionMethod;
  /** How changes are found, in words (e.g. `git status and git diff against HEAD 1a2b3c4`). */
  readonly detail: string;
  /** The files that differ from the snapshot now, sorted by path. */
  changes(options?: { signal?: AbortSignal | undefined }): Promise<ProjectChange[]>;
  /**
   * Puts one file back as it was: its previous content (and mode), or no file when it did not
   * exist. Only for a path {@link ProjectSnapshot.changes} reported.
   */
  restore(file: string): Promise<void>;
}

/** Files larger than this keep only their hash in a file-hash snapshot: changed, they cannot be restored. */
const KEPT_CONTENT_LIMIT = 16 * 1024 * 1024;

/** Directories a snapshot never looks into. */
const UNWATCHED_DIRECTORIES = new Set(['.git', 'node_modules', '.baton']);

function isWatched(file: string): boolean {
  return !file.split('/').some((part) => UNWATCHED_DIRECTORIES.has(part));
}

/** A file's state: its content (unless too large to keep), hash and mode; null when absent. */
interface FileState {
  hash: string;
  mode: number;
  content?: Buffer | undefined;
}

async function readState(file: string): Promise<FileState | null> {
  const info = await lstat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) return null;
  if (info.size <= KEPT_CONTENT_LIMIT) {
    const content = await readFile(file);
    return { hash: createHash('sha256').update(content).digest('hex'), mode: info.mode, content };
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { hash: hash.digest('hex'), mode: info.mode };
}

const sameState = (a: FileState | null, b: FileState | null): boolean =>
  a === null || b === null ? a === b : a.hash === b.hash;

async function writeState(file: string, relative: string, state: FileState | null): Promise<void> {
  if (state === null) {
    await rm(file, { force: true });
    return;
  }
  if (state.content === undefined) {
    throw new Error(
      `${relative} is larger than ${KEPT_CONTENT_LIMIT / 1024 / 1024} MB: its previous content was not kept`,
    );
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, state.content);
  await chmod(file, state.mode & 0o7777);
}

/**
 * Takes a snapshot of a project before an agent works in it: with git when the project is in a
 * git work tree with a commit (only the files that were dirty are read now; the others are in the
 * commit), otherwise with a hash of every file. `detail` says which method was used and why.
 *
 * @example
 * ```ts
 * const snapshot = await snapshotProject(root);
 * await agent.run();
 * for (const change of await snapshot.changes()) await snapshot.restore(change.path);
 * ```
 */
export async function snapshotProject(
  root: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<ProjectSnapshot> {
  const { signal } = options;
  const absolute = await realpath(root);
  const repository = await gitRepository(absolute, signal);
  if (typeof repository !== 'string') return GitSnapshot.take(absolute, repository, signal);
  return HashSnapshot.take(absolute, repository, signal);
}

interface GitRepository {
  top: string;
  head: string;
}

/** The repository and commit git can watch the project with, or why it cannot. */
async function gitRepository(
  root: string,
  signal: AbortSignal | undefined,
): Promise<GitRepository | string> {
  let top: string;
  try {
    top = (await git(root, ['rev-parse', '--show-toplevel'], signal)).toString('utf8').trim();
  } catch {
    throwIfAborted(signal);
    return 'not a git work tree';
  }
  // check-ignore takes no literal pathspecs; the root is a plain absolute path.
  const ignored = await git(root, ['check-ignore', '-q', '--', root], signal, false).then(
    () => true,
    () => false,
  );
  if (ignored) return 'the project is ignored by its git repository';
  try {
    const head = (await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}'], signal))
      .toString('utf8')
      .trim();
    return { top: await realpath(top), head };
  } catch {
    throwIfAborted(signal);
    return 'the git repository has no commit yet';
  }
}

/** Runs git without a shell (pathspecs literal unless told, no optional locks) and returns stdout. */
async function git(
  cwd: string,
  args: readonly string[],
  signal: AbortSignal | undefined,
  literalPathspecs = true,
): Promise<Buffer> {
  try {
    const { stdout } = await execFileAsync('git', [...args], {
      cwd,
      encoding: 'buffer',
      maxBuffer: 512 * 1024 * 1024,
      env: {
        ...process.env,
        GIT_OPTIONAL_LOCKS: '0',
        ...(literalPathspecs ? { GIT_LITERAL_PATHSPECS: '1' } : {}),
      },
      ...(signal === undefined ? {} : { signal }),
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new BatonError(
      BatonErrorCode.EXECUTION,
      `git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`,
      { cause: error },
    );
  }
}

const nulSeparated = (output: Buffer): string[] =>
  output
    .toString('utf8')
    .split('\0')
    .filter((item) => item !== '');

/** Watches a project with git: what `git status` and `git diff <head>` report differs. */
class GitSnapshot implements ProjectSnapshot {
  readonly method = 'git';
  readonly detail: string;
  readonly #root: string;
  readonly #repository: GitRepository;
  /** The files that were dirty when the snapshot was taken, as they were (repository-relative). */
  readonly #dirty: Map<string, FileState | null>;
  /** What {@link changes} found each changed file was before (`commit`: as in the head commit). */
  readonly #before = new Map<string, FileState | null | 'commit'>();

  private constructor(
    root: string,
    repository: GitRepository,
    dirty: Map<string, FileState | null>,
  ) {
    this.#root = root;
    this.#repository = repository;
    this.#dirty = dirty;
    this.detail = `git status and git diff against HEAD ${repository.head.slice(0, 7)}`;
  }

  static async take(
    root: string,
    repository: GitRepository,
    signal: AbortSignal | undefined,
  ): Promise<GitSnapshot> {
    const snapshot = new GitSnapshot(root, repository, new Map());
    for (const file of await snapshot.#statusPaths(signal)) {
      snapshot.#dirty.set(file, await readState(path.join(repository.top, file)));
    }
    return snapshot;
  }

  async changes(options: { signal?: AbortSignal | undefined } = {}): Promise<ProjectChange[]> {
    const { signal } = options;
    const { top, head } = this.#repository;
    const diff = nulSeparated(
      await git(this.#root, ['diff', '--name-only', '-z', '--no-renames', head, '--', '.'], signal),
    );
    const candidates = [
      ...new Set([...this.#dirty.keys(), ...(await this.#statusPaths(signal)), ...diff]),
    ].filter((file) => isWatched(this.#relative(file)));
    const inCommit = new Set(
      candidates.length === 0
        ? []
        : nulSeparated(
            await git(top, ['ls-tree', '-z', '--name-only', head, '--', ...candidates], signal),
          ),
    );
    const changes: ProjectChange[] = [];
    this.#before.clear();
    for (const file of candidates) {
      const now = await readState(path.join(top, file));
      let before: FileState | null | 'commit';
      if (this.#dirty.has(file)) {
        const dirty = this.#dirty.get(file) ?? null;
        if (sameState(dirty, now)) continue;
        before = dirty;
      } else if (inCommit.has(file)) {
        const committed = await git(top, ['cat-file', 'blob', `${head}:${file}`], signal);
        if (now !== null && now.content?.equals(committed) === true) continue;
        before = 'commit';
      } else if (now === null) {
        continue;
      } else {
        before = null;
      }
      this.#before.set(file, before);
      changes.push({ path: this.#relative(file), kind: before === null ? 'created' : 'changed' });
    }
    return changes.sort((a, b) => a.path.localeCompare(b.path));
  }

  async restore(file: string): Promise<void> {
    const { top, head } = this.#repository;
    const fromTop = path.relative(top, path.join(this.#root, file)).split(path.sep).join('/');
    const before = this.#before.get(fromTop);
    if (before === undefined) throw new Error(`${file} was not reported as changed`);
    if (before === 'commit') {
      // The file was clean: the commit has its content and mode (and the index entry it had).
      await git(top, ['checkout', head, '--', fromTop], undefined);
      return;
    }
    await writeState(path.join(top, fromTop), file, before);
    if (before === null) {
      await git(top, ['rm', '--cached', '-q', '--ignore-unmatch', '--', fromTop], undefined);
    }
  }

  /** Repository-relative paths `git status` reports under the project (untracked ones too). */
  async #statusPaths(signal: AbortSignal | undefined): Promise<string[]> {
    const output = await git(
      this.#root,
      ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'],
      signal,
    );
    // Each entry is "XY path"; porcelain paths are relative to the repository top.
    return nulSeparated(output).map((entry) => entry.slice(3));
  }

  #relative(fromTop: string): string {
    return path
      .relative(this.#root, path.join(this.#repository.top, fromTop))
      .split(path.sep)
      .join('/');
  }
}

/** Watches a project git cannot watch: a hash of every file, before and after. */
class HashSnapshot implements ProjectSnapshot {
  readonly method = 'file-hashes';
  readonly detail: string;
  readonly #root: string;
  readonly #files: Map<string, FileState>;

  private constructor(root: string, files: Map<string, FileState>, reason: string) {
    this.#root = root;
    this.#files = files;
    this.detail = `SHA-256 of ${files.size} files before and after (${reason})`;
  }

  static async take(
    root: string,
    reason: string,
    signal: AbortSignal | undefined,
  ): Promise<HashSnapshot> {
    return new HashSnapshot(root, await hashFiles(root, signal), reason);
  }

  async changes(options: { signal?: AbortSignal | undefined } = {}): Promise<ProjectChange[]> {
    const now = await hashFiles(this.#root, options.signal);
    const changes: ProjectChange[] = [];
    for (const [file, before] of this.#files) {
      if (!sameState(before, now.get(file) ?? null)) changes.push({ path: file, kind: 'changed' });
    }
    for (const file of now.keys()) {
      if (!this.#files.has(file)) changes.push({ path: file, kind: 'created' });
    }
    return changes.sort((a, b) => a.path.localeCompare(b.path));
  }

  async restore(file: string): Promise<void> {
    await writeState(path.join(this.#root, file), file, this.#files.get(file) ?? null);
  }
}

/** Every watched regular file under `root`, by project-relative path. */
async function hashFiles(
  root: string,
  signal: AbortSignal | undefined,
): Promise<Map<string, FileState>> {
  const files = new Map<string, FileState>();
  const visit = async (relative: string): Promise<void> => {
    throwIfAborted(signal);
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!UNWATCHED_DIRECTORIES.has(entry.name)) await visit(child);
      } else if (entry.isFile()) {
        const state = await readState(path.join(root, child));
        if (state !== null) files.set(child, state);
      }
    }
  };
  await visit('');
  return files;
}
