import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, noopLogger, parseWith, throwIfAborted, ValidationError } from '@baton/core';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { isObject } from './is-object.js';
import {
  type CorruptFileHandler,
  corruptRecordError,
  readAllRecords,
  readRecord,
  storageError,
} from './json-records.js';
import { assertValidId, MAX_ID_BYTES, recordIdSchema, recordPath } from './record-id.js';

/** Longest pattern id in UTF-8 bytes: room for a prefix in front of a composition id. */
export const MAX_PATTERN_ID_BYTES = MAX_ID_BYTES + 20;

const nonEmptyString = z.string().trim().min(1, 'must be a non-empty string');

/** A learned pattern: something that worked, with how confident we are that it works. */
export const patternSchema = z.object({
  /** Unique id; file-backed libraries store it as `<id>.json`. */
  id: recordIdSchema(MAX_PATTERN_ID_BYTES),
  /** The kind of pattern, e.g. `agent_composition`. */
  type: nonEmptyString,
  /** Human-readable name; for compositions, the task pattern. */
  name: nonEmptyString,
  /** 0..1; for compositions, the measured success rate. */
  confidence: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1'),
  /** Whatever describes the pattern (JSON-serialisable). */
  context: z.record(z.string(), z.unknown(), { error: 'must be an object' }).default({}),
});
/** A learned pattern. */
export type Pattern = z.output<typeof patternSchema>;
/** What {@link PatternLibrary.contribute} accepts (`context` optional). */
export type PatternInput = z.input<typeof patternSchema>;

/** Options of {@link PatternLibrary}. */
export interface PatternLibraryOptions {
  /**
   * Directory of the pattern files (one `<id>.json` each). Default: `.baton/patterns` under the
   * current working directory. Ignored when `inMemory` is true.
   */
  storageDir?: string;
  /** Keep patterns in this object only (lost when it is garbage collected). Default false. */
  inMemory?: boolean;
  /** Receives a warning for each corrupt pattern file skipped. Default: no logging. */
  logger?: Logger;
  /** Told of each corrupt pattern file `list` skips, instead of the logger. */
  onCorruptFile?: CorruptFileHandler;
}

/** Cancellation of one call. */
export interface PatternLibraryCallOptions {
  signal?: AbortSignal;
}

/** Filter of {@link PatternLibrary.list}. */
export interface PatternFilter {
  /** Only patterns of this type, e.g. `agent_composition`. */
  type?: string;
}

/**
 * Stores learned patterns by id, in files (default, `.baton/patterns/<id>.json`, written
 * atomically, shared between processes) or in memory. Contributing a pattern with an existing id
 * replaces it, so a pattern can be kept up to date.
 *
 * @example
 * ```ts
 * const library = new PatternLibrary({ storageDir: '.baton/patterns' });
 * await library.contribute({
 *   id: 'composition_release-prep-v1',
 *   type: 'agent_composition',
 *   name: 'release_prep',
 *   confidence: 0.9,
 *   context: { strategy: 'parallel' },
 * });
 * const compositions = await library.list({ type: 'agent_composition' });
 * ```
 */
export class PatternLibrary {
  /** Absolute directory of the pattern files; undefined for an in-memory library. */
  readonly storageDir: string | undefined;
  readonly #memory = new Map<string, Pattern>();
  readonly #logger: Logger;
  readonly #onCorruptFile: CorruptFileHandler | undefined;

  /** @throws ValidationError naming the offending option, e.g. `storageDir: must be a non-empty string`. */
  constructor(options: PatternLibraryOptions = {}) {
    if (!isObject(options)) throw new ValidationError('options', 'must be an object');
    const { storageDir, inMemory } = options;
    if (storageDir !== undefined && (typeof storageDir !== 'string' || storageDir.trim() === '')) {
      throw new ValidationError('storageDir', 'must be a non-empty string');
    }
    if (inMemory !== undefined && typeof inMemory !== 'boolean') {
      throw new ValidationError('inMemory', 'must be a boolean');
    }
    this.storageDir =
      options.inMemory === true
        ? undefined
        : path.resolve(options.storageDir ?? path.join(process.cwd(), '.baton', 'patterns'));
    this.#logger = options.logger ?? noopLogger;
    this.#onCorruptFile = options.onCorruptFile;
  }

  /**
   * Adds a pattern, or replaces the one with the same id.
   *
   * @returns the stored pattern (validated, defaults applied)
   * @throws ValidationError naming the offending field, e.g. `confidence: must be <= 1` (`pattern`
   *   when it is not an object); a `BATON_STORAGE` error when the file cannot be written
   */
  async contribute(
    pattern: PatternInput,
    options: PatternLibraryCallOptions = {},
  ): Promise<Pattern> {
    throwIfAborted(options.signal);
    if (!isObject(pattern)) throw new ValidationError('pattern', 'must be an object');
    const value = parseWith(patternSchema, pattern);
    if (this.storageDir === undefined) {
      this.#memory.set(value.id, structuredClone(value));
      return value;
    }
    const file = this.#path(value.id);
    try {
      await mkdir(this.storageDir, { recursive: true });
    } catch (error) {
      throw storageError(`Cannot create ${this.storageDir}`, error);
    }
    throwIfAborted(options.signal);
    try {
      await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
    } catch (error) {
      throw storageError(`Cannot write ${file}`, error);
    }
    return value;
  }

  /**
   * The pattern with this id, or undefined when there is none.
   *
   * @throws ValidationError naming `id` when it is not a safe id; a `BATON_STORAGE` error when
   * the pattern's file is corrupt (the file is left untouched)
   */
  async get(id: string, options: PatternLibraryCallOptions = {}): Promise<Pattern | undefined> {
    throwIfAborted(options.signal);
    if (this.storageDir === undefined) {
      assertValidId(id, { maxBytes: MAX_PATTERN_ID_BYTES });
      const value = this.#memory.get(id);
      return value === undefined ? undefined : structuredClone(value);
    }
    const file = this.#path(id);
    const read = await readRecord(file, parsePattern, options);
    if (read.status === 'missing') return undefined;
    if (read.status === 'corrupt')
      throw corruptRecordError('Pattern', file, read.reason, read.cause);
    return read.value;
  }

  /**
   * Every pattern (of the given type), highest confidence first, ties by id. Corrupt files are
   * skipped with a warning and left untouched.
   *
   * @throws ValidationError naming `type` when it is given but not a non-empty string (`filter`
   *   when it is not an object)
   */
  async list(
    filter: PatternFilter = {},
    options: PatternLibraryCallOptions = {},
  ): Promise<Pattern[]> {
    throwIfAborted(options.signal);
    if (!isObject(filter)) throw new ValidationError('filter', 'must be an object');
    const { type } = filter;
    if (type !== undefined && (typeof type !== 'string' || type.trim() === '')) {
      throw new ValidationError('type', 'must be a non-empty string');
    }
    const all =
      this.storageDir === undefined
        ? [...this.#memory.values()]
            .map((pattern) => structuredClone(pattern))
            .sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))
        : await readAllRecords(this.storageDir, parsePattern, {
            signal: options.signal,
            logger: this.#logger,
            kind: 'pattern',
            onCorrupt: this.#onCorruptFile,
          });
    return all
      .filter((pattern) => type === undefined || pattern.type === type)
      .sort((left, right) => right.confidence - left.confidence);
  }

  #path(id: string): string {
    return recordPath(this.storageDir ?? '.', id, { maxBytes: MAX_PATTERN_ID_BYTES });
  }
}

function parsePattern(data: unknown): Pattern {
  return parseWith(patternSchema, data);
}
