import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { isTestPath, languageOf } from './paths.js';
import { listProjectFiles, type ProjectFiles } from './project-files.js';
import { computeScriptFacts, factsOfParsed, type ScriptFacts } from './script-facts.js';
import {
  type ParsedSource,
  type ParseFailure,
  parseSource,
  type SourceFile,
} from './source-file.js';

/** Extensions never read as text. */
const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif webp bmp ico icns tif tiff avif svgz psd woff woff2 ttf otf eot zip gz tgz bz2 ' +
    'xz 7z rar jar war pdf wasm node so dylib dll exe bin o a class pyc pyo mp3 mp4 mov avi webm ' +
    'ogg wav flac sqlite db lockb'
  ).split(' '),
);

/** A file that was listed but not read. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** Options for {@link createProjectIndex}. */
export interface CreateProjectIndexOptions {
  /** Project root. */
  root: string;
  /** A file listing to reuse (see `listProjectFiles`). */
  projectFiles?: ProjectFiles;
  /** Files larger than this are skipped (default 2 MB). */
  maxFileBytes?: number;

  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * The project's text files, read once, with JS/TS parsed on demand and cached: the `ast_parser`
 * that every analysis shares. Build it with {@link createProjectIndex}.
 */
export class ProjectIndex {
  /** Absolute project root. */
  readonly root: string;
  /** The listing the index was built from. */
  readonly listing: ProjectFiles;
  /** Every text file, sorted by path. */
  readonly files: readonly SourceFile[];
  /** Listed files that were not read (binary, too large, unreadable). */
  readonly skipped: readonly SkippedFile[];
  private readonly parsed = new Map<string, ParsedSource | null>();
  private readonly failures = new Map<string, ParseFailure>();
  private readonly facts = new Map<string, ScriptFacts | null>();
  private readonly byPath: Map<string, SourceFile>;

  constructor(root: string, listing: ProjectFiles, files: SourceFile[], skipped: SkippedFile[]) {
    this.root = root;
    this.listing = listing;
    this.files = files;
    this.skipped = skipped;
    this.byPath = new Map(files.map((file) => [file.path, file]));
  }

  /** The file at a project-relative path, when it was read. */
  get(file: string): SourceFile | undefined {
    return this.byPath.get(file);
  }

  /** JS/TS files (ts, tsx, js, jsx and their m/c variants). */
  get scriptFiles(): SourceFile[] {
    return this.files.filter((file) => file.language !== undefined && file.language !== 'python');
  }

  /** Python files. */
  get pythonFiles(): SourceFile[] {
    return this.files.filter((file) => file.language === 'python');
  }

  /**
   * The parsed AST of a JS/TS file, parsed once and cached. Undefined for other files and for
   * files with syntax errors (see {@link ProjectIndex.parseFailures}).
   */
  parse(file: SourceFile): ParsedSource | undefined {
    const cached = this.parsed.get(file.path);
    if (cached !== undefined) return cached ?? undefined;
    if (file.language === undefined || file.language === 'python') return undefined;
    const result = parseSource(file.path, file.text);
    if ('failure' in result) {
      this.failures.set(file.path, result.failure);
      this.parsed.set(file.path, null);
      return undefined;
    }
    this.parsed.set(file.path, result.parsed);
    return result.parsed;
  }

  /**
   * Functions and dangerous patterns of a JS/TS file, from one walk over its AST (parsed once;
   * the AST is not kept unless {@link ProjectIndex.parse} asked for it). Undefined for other files
   * and files with syntax errors.
   */
  scriptFacts(file: SourceFile): ScriptFacts | undefined {
    const cached = this.facts.get(file.path);
    if (cached !== undefined) return cached ?? undefined;
    if (file.language === undefined || file.language === 'python') return undefined;
    const parsed = this.parsed.get(file.path);
    let facts: ScriptFacts | undefined;
    if (parsed === null) facts = undefined;
    else if (parsed !== undefined) facts = factsOfParsed(file, parsed);
    else {
      const result = computeScriptFacts(file);
      if ('failure' in result) this.failures.set(file.path, result.failure);
      else facts = result.facts;
    }
    if (facts === undefined) {
      this.facts.set(file.path, null);
      return undefined;
    }
    this.facts.set(file.path, facts);
    return facts;
  }

  /** Files that failed to parse so far, sorted by path. */
  get parseFailures(): ParseFailure[] {
    return [...this.failures.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}

/**
 * Lists the project's files and reads every text file once (binary files and files over
 * `maxFileBytes` are skipped and listed as such).
 *
 * @example
 * ```ts
 * const index = await createProjectIndex({ root: '.' });
 * const [security, quality] = await Promise.all([
 *   scanSecurity({ root: '.', index }),
 *   analyzeQuality({ root: '.', index }),
 * ]);
 * ```
 */
export async function createProjectIndex(
  options: CreateProjectIndexOptions,
): Promise<ProjectIndex> {
  const { signal, logger = noopLogger, maxFileBytes = 2_000_000 } = options;
  const root = path.resolve(options.root);
  const listing = options.projectFiles ?? (await listProjectFiles(root, { signal }));
  const files: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  const queue = listing.files.filter((file) => {
    const extension = path.extname(file).slice(1).toLowerCase();
    if (BINARY_EXTENSIONS.has(extension)) {
      skipped.push({ path: file, reason: 'binary file type' });
      return false;
    }
    return true;
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      throwIfAborted(signal);
      const file = queue[next++]!;
      let buffer: Buffer;
      try {
        buffer = await readFile(path.join(root, file));
      } catch (error) {
        skipped.push({ path: file, reason: `unreadable: ${(error as Error).message}` });
        continue;
      }
      if (buffer.length > maxFileBytes) {
        skipped.push({ path: file, reason: `larger than ${maxFileBytes} bytes` });
        continue;
      }
      if (buffer.subarray(0, 8000).includes(0)) {
        skipped.push({ path: file, reason: 'binary content' });
        continue;
      }
      files.push({
        path: file,
        language: languageOf(file),
        text: buffer.toString('utf8'),
        isTest: isTestPath(file),
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  files.sort((a, b) => a.path.localeCompare(b.path));
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  logger.debug('project indexed', { files: files.length, skipped: skipped.length });
  return new ProjectIndex(root, listing, files, skipped);
}
