import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  BatonError,
  BatonErrorCode,
  describeError,
  type Logger,
  noopLogger,
  parseWith,
  throwIfAborted,
  ValidationError,
} from '@baton/core';
import { z } from 'zod';
import {
  AgentConfiguration,
  assertOutcome,
  assertQualityRevision,
  type Clock,
  type QualityRevision,
} from './agent-configuration.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  compositionPattern,
  patternIdForComposition,
  qualifiesForPattern,
} from './composition-pattern.js';
import { errorCode, type LockOptions, withFileLock } from './file-lock.js';
import { isObject } from './is-object.js';
import {
  type CorruptFileHandler,
  corruptRecordError,
  readAllRecords,
  readRecord,
  storageError,
} from './json-records.js';
import type { PatternLibrary } from './pattern-library.js';
import { recordPath } from './record-id.js';

/** Options of {@link ConfigurationStore}. */
export interface ConfigurationStoreOptions {
  /** Directory of the composition files. Default: `.baton/compositions` under the current directory. */
  storageDir?: string;
  /**
   * Receives an `agent_composition` pattern for every composition that has proven itself (see
   * `PATTERN_THRESHOLDS`). Without one, nothing is contributed.
   */
  patternLibrary?: PatternLibrary;
  /** Receives warnings (corrupt files skipped, stale locks removed). Default: no logging. */
  logger?: Logger;
  /**
   * Told of each corrupt composition file a listing (`search`, `listAll`, the candidates of a
   * task pattern) skips, instead of the logger: a caller that must report corrupt state to a
   * person, whatever the log level, collects them here.
   */
  onCorruptFile?: CorruptFileHandler;
  /** Source of `createdAt`/`lastUsed` of the compositions it loads. Default: the system clock. */
  clock?: Clock;
  /** How writers wait for each other. */
  lock?: LockOptions;
}

/** Cancellation of one store call. */
export interface StoreCallOptions {
  signal?: AbortSignal;
}

/** Filters of {@link ConfigurationStore.search}. */
export const searchFiltersSchema = z.object({
  /** Only compositions for exactly this task pattern. Default: all. */
  taskPattern: z.string().trim().min(1, 'must be a non-empty string').optional(),
  /** Minimum success rate, 0..1 (compared with >=). Default 0. */
  minSuccessRate: z
    .number({ error: 'must be a number' })
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0),
  /** Minimum average quality score, 0..100 (compared with >=). Default 0. */
  minQualityScore: z
    .number({ error: 'must be a number' })
    .min(0, 'must be between 0 and 100')
    .max(100, 'must be between 0 and 100')
    .default(0),
  /** Most results returned, an integer >= 1. Default 10. */
  limit: z
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be >= 1')
    .default(10),
});
/** Filters of {@link ConfigurationStore.search}. */
export type SearchFilters = z.input<typeof searchFiltersSchema>;

/** Options of {@link ConfigurationStore.recordOutcome}. */
export interface RecordOutcomeOptions extends StoreCallOptions {
  /**
   * Makes the composition when it is not stored yet (create-or-update). Called under the
   * composition's lock, only when no file exists; it must return an unused composition with the
   * id being recorded.
   */
  create?: (() => AgentConfiguration) | undefined;
}

/** A measured outcome of one run of a composition. */
export interface Outcome {
  /** Whether the run succeeded. */
  success: boolean;
  /**
   * The measured quality of the run, 0..100, or null when no scorer measured it (unknown is
   * recorded as unknown, never as 0; see `scoreQuality`).
   */
  qualityScore: number | null;
  /** What the run cost in USD; null or absent when it could not be known. */
  costUsd?: number | null | undefined;
  /** How long the run took in seconds. */
  durationSeconds?: number | null | undefined;
}

/**
 * Keeps team compositions and their measured outcomes on disk, one `<id>.json` file each, so
 * that later runs can reuse what worked. Every write is atomic (temp file, fsync, rename) and
 * serialised per composition by a lock file (`<id>.json.lock`), so several processes can share a
 * store: {@link ConfigurationStore.recordOutcome} loses no update. Corrupt files are skipped with
 * a warning by `search` and `listAll` and never modified.
 *
 * @example
 * ```ts
 * const store = new ConfigurationStore({ patternLibrary: new PatternLibrary() });
 * const best = await store.getBestForTask('release_prep');
 * if (best === undefined || best.successRate < 0.8) {
 *   await store.save(new AgentConfiguration({ id: 'release-prep-v2', taskPattern: 'release_prep', ...plan }));
 * }
 * await store.recordOutcome('release-prep-v2', { success: true, qualityScore: 91 });
 * ```
 */
export class ConfigurationStore {
  /** Absolute directory of the composition files. */
  readonly storageDir: string;
  /** Where proven compositions are contributed as patterns, if anywhere. */
  readonly patternLibrary: PatternLibrary | undefined;
  readonly #logger: Logger;
  readonly #onCorruptFile: CorruptFileHandler | undefined;
  readonly #clock: Clock | undefined;
  readonly #lock: LockOptions;

  /**
   * @throws ValidationError naming the offending option (`storageDir` must be a non-empty string:
   *   an empty one would silently mean the working directory)
   */
  constructor(options: ConfigurationStoreOptions = {}) {
    assertStoreOptions(options);
    this.storageDir = path.resolve(
      options.storageDir ?? path.join(process.cwd(), '.baton', 'compositions'),
    );
    this.patternLibrary = options.patternLibrary;
    this.#logger = options.logger ?? noopLogger;
    this.#onCorruptFile = options.onCorruptFile;
    this.#clock = options.clock;
    this.#lock = options.lock ?? {};
  }

  /**
   * Writes the composition to `<storageDir>/<id>.json` (replacing an earlier version) and, when
   * it has proven itself, its pattern to the pattern library.
   *
   * @returns the absolute path of the file
   * @throws ValidationError naming the offending field (e.g. `id`) before anything is written
   */
  async save(config: AgentConfiguration, options: StoreCallOptions = {}): Promise<string> {
    throwIfAborted(options.signal);
    const value = this.#checked(config);
    const file = this.#path(value.id);
    await this.#ensureDirectory();
    await this.#withLock(file, options.signal, async () => {
      await this.#write(file, value);
      await this.#syncPattern(value);
    });
    return file;
  }

  /**
   * The composition with this id, or `undefined` when there is none.
   *
   * @throws ValidationError naming `id` when it is not a safe id; a `BATON_STORAGE` error when
   * the file exists but is corrupt (it is left untouched)
   */
  async load(id: string, options: StoreCallOptions = {}): Promise<AgentConfiguration | undefined> {
    throwIfAborted(options.signal);
    const file = this.#path(id);
    const read = await readRecord(file, this.#parse, options);
    if (read.status === 'missing') return undefined;
    if (read.status === 'corrupt') {
      throw corruptRecordError('Composition', file, read.reason, read.cause);
    }
    return read.value;
  }

  /**
   * Compositions matching the filters (`>=` on the minimums), best first: by successRate, then
   * avgQualityScore, both descending; ties keep id order. Corrupt files are skipped with a warning.
   *
   * @throws ValidationError naming the offending filter, e.g. `minSuccessRate: must be between 0 and 1`;
   *   an unknown filter (a misspelt `minSuccessRate`, say) is an error too, never silently ignored
   */
  async search(
    filters: SearchFilters = {},
    options: StoreCallOptions = {},
  ): Promise<AgentConfiguration[]> {
    assertKnownFilters(filters);
    const { taskPattern, minSuccessRate, minQualityScore, limit } = parseWith(
      searchFiltersSchema,
      filters,
    );
    const all = await this.#readAll(options.signal);
    return all
      .filter(
        (config) =>
          (taskPattern === undefined || config.taskPattern === taskPattern) &&
          config.successRate >= minSuccessRate &&
          config.avgQualityScore >= minQualityScore,
      )
      .sort(
        (left, right) =>
          right.successRate - left.successRate || right.avgQualityScore - left.avgQualityScore,
      )
      .slice(0, limit);
  }

  /** The best composition for a task pattern (the first of `search({ taskPattern, limit: 1 })`). */
  async getBestForTask(
    taskPattern: string,
    options: StoreCallOptions = {},
  ): Promise<AgentConfiguration | undefined> {
    const [best] = await this.search({ taskPattern, limit: 1 }, options);
    return best;
  }

  /**
   * Every valid composition stored for a task pattern, in id order: the candidates a bandit
   * policy chooses among (see `chooseCandidate`). Corrupt files are skipped with a warning.
   *
   * @throws ValidationError naming `taskPattern` when it is empty or not a string
   */
  async listForTask(
    taskPattern: string,
    options: StoreCallOptions = {},
  ): Promise<AgentConfiguration[]> {
    if (typeof taskPattern !== 'string' || taskPattern.trim() === '') {
      throw new ValidationError('taskPattern', 'must be a non-empty string');
    }
    const all = await this.#readAll(options.signal);
    return all
      .filter((config) => config.taskPattern === taskPattern)
      .sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  }

  /**
   * Saves the composition unless one with its id is stored already, under the composition's
   * lock, so that registering a task pattern's candidates from several processes at once never
   * resets the outcomes another process recorded.
   *
   * @returns the stored composition (the existing one, with its outcomes, or the one saved now)
   *   and whether it was saved now
   * @throws ValidationError naming the offending field; a `BATON_STORAGE` error when the stored
   *   file is corrupt (left untouched)
   */
  async saveIfMissing(
    config: AgentConfiguration,
    options: StoreCallOptions = {},
  ): Promise<{ composition: AgentConfiguration; saved: boolean }> {
    throwIfAborted(options.signal);
    const value = this.#checked(config);
    const file = this.#path(value.id);
    await this.#ensureDirectory();
    return this.#withLock(file, options.signal, async () => {
      const read = await readRecord(file, this.#parse);
      if (read.status === 'ok') return { composition: read.value, saved: false };
      if (read.status === 'corrupt') {
        throw corruptRecordError('Composition', file, read.reason, read.cause);
      }
      await this.#write(file, value);
      await this.#syncPattern(value);
      return { composition: value, saved: true };
    });
  }

  /**
   * Removes a composition's file. Its pattern, if one was contributed, stays in the library.
   *
   * @returns true when a file was removed, false when there was none
   * @throws ValidationError naming `id` when it is not a safe id
   */
  async delete(id: string, options: StoreCallOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal);
    const file = this.#path(id);
    try {
      return await this.#withLock(file, options.signal, async () => {
        try {
          await unlink(file);
          return true;
        } catch (error) {
          if (errorCode(error) === 'ENOENT') return false;
          throw error;
        }
      });
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false; // no store directory: nothing to delete
      throw storageError(`Cannot delete ${file}`, error);
    }
  }

  /**
   * Every valid composition, most recently used first; never-used ones last (ties keep id order).
   * Corrupt files are skipped with a warning.
   */
  async listAll(options: StoreCallOptions = {}): Promise<AgentConfiguration[]> {
    const all = await this.#readAll(options.signal);
    const lastUsed = (config: AgentConfiguration): number =>
      config.lastUsed?.getTime() ?? Number.NEGATIVE_INFINITY;
    return all.sort((left, right) => {
      const [newer, older] = [lastUsed(right), lastUsed(left)];
      return newer === older ? 0 : newer > older ? 1 : -1;
    });
  }

  /**
   * Records a measured outcome of a composition, safely when several processes share the store:
   * under the composition's lock it reads the latest file, applies
   * `AgentConfiguration.recordOutcome`, writes the file atomically, updates the composition's
   * pattern, and releases the lock. With `create`, a composition that is not stored yet is made by
   * `create()` and saved with this first outcome in the same locked step (create-or-update), so
   * processes recording the first outcome of a new composition at once lose no update. The
   * signal is honoured until the lock is held.
   *
   * @example
   * ```ts
   * await store.recordOutcome(id, { success: true, qualityScore: 88 }, {
   *   create: () => new AgentConfiguration({ id, taskPattern: 'release_prep', ...team }),
   * });
   * ```
   * @returns the updated composition
   * @throws ValidationError naming `id`, `success`, `qualityScore`, `costUsd`, `durationSeconds`
   *   or `create` (not a function,
   *   or it made a composition with another id or with outcomes already); a `BATON_NOT_FOUND`
   *   error when there is no such composition and no `create`; a `BATON_STORAGE` error when its
   *   file is corrupt (left untouched); a `TimeoutError` when the lock cannot be had in time
   */
  async recordOutcome(
    id: string,
    outcome: Outcome,
    options: RecordOutcomeOptions = {},
  ): Promise<AgentConfiguration> {
    throwIfAborted(options.signal);
    const file = this.#path(id);
    if (typeof outcome !== 'object' || outcome === null) {
      throw new ValidationError('outcome', 'must be an object');
    }
    const measures = { costUsd: outcome.costUsd, durationSeconds: outcome.durationSeconds };
    assertOutcome(outcome.success, outcome.qualityScore, measures);
    const { create } = options;
    if (create !== undefined && typeof create !== 'function') {
      throw new ValidationError('create', 'must be a function returning an AgentConfiguration');
    }
    const notFound = () =>
      new BatonError(
        BatonErrorCode.NOT_FOUND,
        `Composition "${id}" not found in ${this.storageDir}`,
      );
    const update = async () => {
      const read = await readRecord(file, this.#parse);
      if (read.status === 'corrupt') {
        throw corruptRecordError('Composition', file, read.reason, read.cause);
      }
      let stored: AgentConfiguration;
      if (read.status === 'ok') stored = read.value;
      else if (create === undefined) throw notFound();
      else stored = this.#created(id, create());
      const config = stored.recordOutcome(outcome.success, outcome.qualityScore, measures);
      await this.#write(file, config);
      await this.#syncPattern(config);
      return config;
    };
    if (create !== undefined) await this.#ensureDirectory();
    try {
      return await this.#withLock(file, options.signal, update);
    } catch (error) {
      // Only creating the lock file can fail with a bare ENOENT: the store directory is missing.
      if (errorCode(error) === 'ENOENT') throw notFound();
      throw error;
    }
  }

  /**
   * Records a run's quality measured after its outcome was recorded (a person's rating of the
   * run, say) on a stored composition, under the same lock as {@link ConfigurationStore.recordOutcome}
   * (see `AgentConfiguration.recordQuality`): its average quality moves towards the score, while
   * its uses, successes, cost and duration stay as they are.
   *
   * @returns the updated composition
   * @throws ValidationError naming `qualityScore` or `previousScore`; BatonError
   *   `BATON_NOT_FOUND` for an unknown id; `BATON_STORAGE` for a corrupt file (left untouched)
   */
  async recordQuality(
    id: string,
    revision: QualityRevision,
    options: StoreCallOptions = {},
  ): Promise<AgentConfiguration> {
    throwIfAborted(options.signal);
    const file = this.#path(id);
    assertQualityRevision(revision);
    const notFound = () =>
      new BatonError(
        BatonErrorCode.NOT_FOUND,
        `Composition "${id}" not found in ${this.storageDir}`,
      );
    try {
      return await this.#withLock(file, options.signal, async () => {
        const read = await readRecord(file, this.#parse);
        if (read.status === 'corrupt') {
          throw corruptRecordError('Composition', file, read.reason, read.cause);
        }
        if (read.status !== 'ok') throw notFound();
        const config = read.value.recordQuality(revision);
        await this.#write(file, config);
        await this.#syncPattern(config);
        return config;
      });
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw notFound();
      throw error;
    }
  }

  /** What `create` made, checked: a valid, unused composition with the id being recorded. */
  #created(id: string, made: unknown): AgentConfiguration {
    if (!isObject(made)) throw new ValidationError('create', 'must return an AgentConfiguration');
    const config = this.#checked(made);
    if (config.id !== id) {
      throw new ValidationError(
        'create',
        `must return the composition "${id}" (got "${config.id}")`,
      );
    }
    if (config.usageCount !== 0) {
      throw new ValidationError(
        'create',
        `must return an unused composition (got usageCount ${config.usageCount})`,
      );
    }
    return config;
  }

  /** A validated copy of a composition to write. */
  #checked(config: unknown): AgentConfiguration {
    if (!isObject(config)) throw new ValidationError('config', 'must be an AgentConfiguration');
    return AgentConfiguration.fromJSON(
      config instanceof AgentConfiguration ? config.toJSON() : config,
      this.#configOptions(),
    );
  }

  #path(id: string): string {
    return recordPath(this.storageDir, id);
  }

  #configOptions() {
    return this.#clock === undefined ? {} : { clock: this.#clock };
  }

  readonly #parse = (data: unknown): AgentConfiguration =>
    AgentConfiguration.fromJSON(data, this.#configOptions());

  async #readAll(signal: AbortSignal | undefined): Promise<AgentConfiguration[]> {
    throwIfAborted(signal);
    return readAllRecords(this.storageDir, this.#parse, {
      signal,
      logger: this.#logger,
      kind: 'composition',
      onCorrupt: this.#onCorruptFile,
    });
  }

  async #ensureDirectory(): Promise<void> {
    try {
      await mkdir(this.storageDir, { recursive: true });
    } catch (error) {
      throw storageError(`Cannot create ${this.storageDir}`, error);
    }
  }

  async #withLock<T>(
    file: string,
    signal: AbortSignal | undefined,
    operation: () => Promise<T>,
  ): Promise<T> {
    return withFileLock(`${file}.lock`, operation, {
      ...this.#lock,
      signal,
      logger: this.#logger,
    });
  }

  async #write(file: string, config: AgentConfiguration): Promise<void> {
    try {
      await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
    } catch (error) {
      throw storageError(`Cannot write ${file}`, error);
    }
  }

  /**
   * Contributes or updates the composition's pattern. The composition is already written, so a
   * failure here is logged, not thrown: throwing would invite the caller to record the outcome
   * twice. The next outcome brings the pattern up to date again.
   */
  async #syncPattern(config: AgentConfiguration): Promise<void> {
    const library = this.patternLibrary;
    if (library === undefined) return;
    try {
      if (
        !qualifiesForPattern(config) &&
        (await library.get(patternIdForComposition(config.id))) === undefined
      ) {
        return;
      }
      await library.contribute(compositionPattern(config));
    } catch (error) {
      this.#logger.warn('Could not update the pattern of a composition', {
        compositionId: config.id,
        error: describeError(error),
      });
    }
  }
}

const SEARCH_FILTERS = Object.keys(searchFiltersSchema.shape);

/** Throws a {@link ValidationError} when `filters` is not an object or has a key search does not know. */
function assertKnownFilters(filters: unknown): void {
  if (!isObject(filters)) throw new ValidationError('filters', 'must be an object');
  const unknown = Object.keys(filters).filter((key) => !SEARCH_FILTERS.includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((key) => ({
        field: key,
        message: `unknown filter (known: ${SEARCH_FILTERS.join(', ')})`,
      })),
    );
  }
}

/** Throws a {@link ValidationError} naming the first option of the store that is malformed. */
function assertStoreOptions(options: unknown): asserts options is ConfigurationStoreOptions {
  if (!isObject(options)) throw new ValidationError('options', 'must be an object');
  const { storageDir, patternLibrary, clock, lock } = options as Record<string, unknown>;
  if (storageDir !== undefined && (typeof storageDir !== 'string' || storageDir.trim() === '')) {
    throw new ValidationError('storageDir', 'must be a non-empty string');
  }
  const library = patternLibrary as Partial<PatternLibrary> | undefined;
  if (
    library !== undefined &&
    (typeof library?.contribute !== 'function' || typeof library.get !== 'function')
  ) {
    throw new ValidationError('patternLibrary', 'must be a PatternLibrary');
  }
  if (clock !== undefined && typeof clock !== 'function') {
    throw new ValidationError('clock', 'must be a function returning a Date');
  }
  if (lock !== undefined && !isObject(lock)) {
    throw new ValidationError('lock', 'must be an object');
  }
  for (const key of ['timeoutSeconds', 'staleSeconds'] as const) {
    const value = (lock as LockOptions | undefined)?.[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new ValidationError(`lock.${key}`, `must be a number > 0 (got ${String(value)})`);
    }
  }
}
