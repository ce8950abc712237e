import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { BatonError, BatonErrorCode, ValidationError } from '@baton/core';

/** Directories never listed or searched. */
export const IGNORED_DIRECTORIES: readonly string[] = ['.git', 'node_modules', '.baton'];

/** Size limits of the project file access. */
export interface ProjectFileLimits {
  /** Files larger than this are not read or searched. Default 1 MiB. */
  maxFileBytes?: number;
  /** Longest text one read returns; the rest is cut with a note. Default 60000. */
  maxReadChars?: number;
  /** Most entries one listing returns. Default 500. */
  maxListEntries?: number;
  /** Most matches one search returns. Default 100. */
  maxSearchResults?: number;
  /** Most files one search looks at. Default 5000. */
  maxSearchFiles?: number;
}

const DEFAULT_LIMITS: Required<ProjectFileLimits> = {
  maxFileBytes: 1024 * 1024,
  maxReadChars: 60_000,
  maxListEntries: 500,
  maxSearchResults: 100,
  maxSearchFiles: 5000,
};

/** One listed entry. */
export interface ProjectEntry {
  /** Path relative to the project root, `/`-separated; directories end with `/`. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** Size in bytes (files only). */
  size?: number;
}

/** A file or a line range of it. */
export interface ProjectFileText {
  path: string;
  /** 1-based first line returned. */
  startLine: number;
  /** 1-based last line returned. */
  endLine: number;
  totalLines: number;
  content: string;
  /** Present when the text was cut at the size limit. */
  truncated?: string;
}

/** One search hit. */
export interface ProjectSearchMatch {
  path: string;
  line: number;
  text: string;
}

/**
 * Read-only access to one project directory: every path is checked to stay inside the root,
 * symlinks included, and every read is size-limited. Backs the model executor's tools.
 *
 * @example
 * ```ts
 * const files = new ProjectFiles('/work/my-app');
 * const { content } = await files.read('src/index.ts', { startLine: 1, endLine: 40 });
 * ```
 */
export class ProjectFiles {
  /** The project root (absolute). */
  readonly root: string;
  private readonly limits: Required<ProjectFileLimits>;
  private realRoot: Promise<string> | undefined;
  private realRootPath: string | undefined;

  constructor(root: string, limits: ProjectFileLimits = {}) {
    this.root = path.resolve(root);
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /**
   * Resolves a project-relative path to an absolute one, refusing anything outside the root
   * (`..`, absolute paths elsewhere, NUL bytes, symlinks that lead out).
   */
  async resolve(relativePath: string): Promise<string> {
    if (relativePath.includes('\0')) throw new ValidationError('path', 'must not contain NUL');
    const absolute = path.resolve(this.root, relativePath === '' ? '.' : relativePath);
    if (!isInside(this.root, absolute)) {
      throw new ValidationError('path', `must stay inside the project directory: ${relativePath}`);
    }
    this.realRoot ??= realpath(this.root);
    const realRoot = await this.realRoot;
    this.realRootPath = realRoot;
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (error) {
      throw new BatonError(BatonErrorCode.NOT_FOUND, `No such file or directory: ${relativePath}`, {
        cause: error,
      });
    }
    if (!isInside(realRoot, real)) {
      throw new ValidationError('path', `leads outside the project directory: ${relativePath}`);
    }
    return real;
  }

  /** Lists a directory, recursively up to `depth` levels (default 2), skipping {@link IGNORED_DIRECTORIES}. */
  async list(
    relativePath = '.',
    options: { depth?: number } = {},
  ): Promise<{ entries: ProjectEntry[]; truncated?: string }> {
    const depth = Math.max(1, Math.min(options.depth ?? 2, 10));
    const start = await this.resolve(relativePath);
    const startStat = await stat(start);
    if (!startStat.isDirectory()) {
      return { entries: [{ path: this.relative(start), type: 'file', size: startStat.size }] };
    }
    const entries: ProjectEntry[] = [];
    let truncated: string | undefined;
    const walk = async (directory: string, level: number): Promise<void> => {
      const children = await readdir(directory, { withFileTypes: true });
      children.sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) {
        if (entries.length >= this.limits.maxListEntries) {
          truncated = `listing cut at ${this.limits.maxListEntries} entries; list a subdirectory`;
          return;
        }
        const full = path.join(directory, child.name);
        if (child.isSymbolicLink()) {
          entries.push({ path: this.relative(full), type: 'symlink' });
        } else if (child.isDirectory()) {
          if (IGNORED_DIRECTORIES.includes(child.name)) continue;
          entries.push({ path: `${this.relative(full)}/`, type: 'directory' });
          if (level < depth) await walk(full, level + 1);
        } else if (child.isFile()) {
          const { size } = await lstat(full);
          entries.push({ path: this.relative(full), type: 'file', size });
        }
      }
    };
    await walk(start, 1);
    return truncated === undefined ? { entries } : { entries, truncated };
  }

  /** Reads a text file or a 1-based inclusive line range of it. */
  async read(
    relativePath: string,
    options: { startLine?: number; endLine?: number } = {},
  ): Promise<ProjectFileText> {
    const file = await this.resolve(relativePath);
    const text = await this.readText(file);
    const lines = text.split('\n');
    const totalLines = lines.length;
    const startLine = Math.max(1, options.startLine ?? 1);
    const endLine = Math.min(totalLines, options.endLine ?? totalLines);
    if (startLine > totalLines) {
      throw new ValidationError('startLine', `must be <= ${totalLines} (the file's line count)`);
    }
    let content = lines.slice(startLine - 1, endLine).join('\n');
    const result: ProjectFileText = {
      path: this.relative(file),
      startLine,
      endLine,
      totalLines,
      content,
    };
    if (content.length > this.limits.maxReadChars) {
      content = content.slice(0, this.limits.maxReadChars);
      result.content = content;
      result.endLine = startLine + content.split('\n').length - 1;
      result.truncated = `cut at ${this.limits.maxReadChars} characters; read a line range from line ${result.endLine}`;
    }
    return result;
  }

  /** Searches text files for a literal string (or a regular expression), case-insensitively by default. */
  async search(
    query: string,
    options: { path?: string; regex?: boolean; caseSensitive?: boolean } = {},
  ): Promise<{ matches: ProjectSearchMatch[]; truncated?: string }> {
    if (query === '') throw new ValidationError('query', 'must be a non-empty string');
    const flags = options.caseSensitive === true ? '' : 'i';
    let pattern: RegExp;
    try {
      pattern = new RegExp(options.regex === true ? query : escapeRegExp(query), flags);
    } catch (error) {
      throw new ValidationError('query', `is not a valid regular expression: ${String(error)}`);
    }
    const start = await this.resolve(options.path ?? '.');
    const matches: ProjectSearchMatch[] = [];
    let filesSeen = 0;
    let truncated: string | undefined;
    const visit = async (target: string): Promise<void> => {
      if (truncated !== undefined) return;
      const info = await lstat(target);
      if (info.isSymbolicLink()) return;
      if (info.isDirectory()) {
        if (IGNORED_DIRECTORIES.includes(path.basename(target))) return;
        const children = await readdir(target);
        children.sort();
        for (const child of children) await visit(path.join(target, child));
        return;
      }
      if (!info.isFile() || info.size > this.limits.maxFileBytes) return;
      filesSeen += 1;
      if (filesSeen > this.limits.maxSearchFiles) {
        truncated = `search stopped after ${this.limits.maxSearchFiles} files; narrow the path`;
        return;
      }
      let text: string;
      try {
        text = await this.readText(target);
      } catch {
        return;
      }
      const lines = text.split('\n');
      for (let index = 0; index < lines.length; index += 1) {
        const line = lines[index] ?? '';
        if (!pattern.test(line)) continue;
        if (matches.length >= this.limits.maxSearchResults) {
          truncated = `cut at ${this.limits.maxSearchResults} matches; narrow the query or path`;
          return;
        }
        matches.push({
          path: this.relative(target),
          line: index + 1,
          text: line.trim().slice(0, 240),
        });
      }
    };
    await visit(start);
    return truncated === undefined ? { matches } : { matches, truncated };
  }

  private async readText(file: string): Promise<string> {
    const handle = await open(file, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ValidationError('path', 'is not a file');
      if (info.size > this.limits.maxFileBytes) {
        throw new ValidationError(
          'path',
          `is ${info.size} bytes, larger than the ${this.limits.maxFileBytes}-byte limit; search it instead`,
        );
      }
      const buffer = await handle.readFile();
      if (buffer.subarray(0, 8192).includes(0)) {
        throw new ValidationError('path', 'is a binary file');
      }
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }

  private relative(absolute: string): string {
    const relative = path.relative(this.realRootPath ?? this.root, absolute);
    return relative === '' ? '.' : relative.split(path.sep).join('/');
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
