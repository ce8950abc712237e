import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@baton/core';
import { noopLogger } from '@baton/core';

/** Kinds of orchestration decisions the audit log records. */
export type AuditEntryType =
  | 'composition'
  | 'strategy'
  | 'plan'
  | 'planner-fallback'
  | 'run-start'
  | 'run-resume'
  | 'run-end'
  | 'retry'
  | 'fallback'
  | 'escalation'
  | 'approval-required'
  | 'decision'
  | 'budget-stop'
  | 'budget-estimate-unknown'
  | 'cancel'
  | 'notice'
  | (string & {});

/** One line of `.baton/audit.jsonl`. */
export interface AuditEntry {
  /** ISO time. */
  at: string;
  type: AuditEntryType;
  /** What was decided and why, in a sentence. */
  message: string;
  runId?: string | undefined;
  stepId?: string | undefined;
  agentId?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** The file; default `.baton/audit.jsonl`. */
  path?: string;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Appends every orchestration decision (composition reused or composed and why, strategy chosen,
 * retries, fallbacks, escalations, budget stops) to `.baton/audit.jsonl`, one JSON object a line.
 * Each entry is a single `O_APPEND` write, so several processes can share the file.
 *
 * @example
 * ```ts
 * const audit = new AuditLog({ path: '.baton/audit.jsonl' });
 * await audit.append({ type: 'composition', message: 'reused composition c-12 (success rate 0.9 >= 0.8)' });
 * ```
 */
export class AuditLog {
  readonly path: string;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #ready: Promise<unknown> | undefined;
  /** Appends of this process, in order: each waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: AuditLogOptions = {}) {
    this.path = options.path ?? join('.baton', 'audit.jsonl');
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? (() => new Date());
  }

  /** Appends one entry (the time is added). A failed write is logged, never thrown: auditing must not break a run. */
  async append(
    entry: Omit<AuditEntry, 'at'> & { at?: string },
    _options: { signal?: AbortSignal } = {},
  ): Promise<AuditEntry> {
    const full: AuditEntry = { at: entry.at ?? this.#now().toISOString(), ...entry };
    const write = this.#queue.then(async () => {
      try {
        this.#ready ??= mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        await this.#ready;
        await appendFile(this.path, `${JSON.stringify(full)}\n`, { encoding: 'utf8', mode: 0o600 });
      } catch (error) {
        this.#logger.error('Could not append to the audit log', {
          path: this.path,
          error: String(error),
        });
      }
    });
    this.#queue = write;
    await write;
    return full;
  }

  /** Reads entries, oldest first, optionally only those of a run or type, and only the last `limit`. */
  async read(
    filter: { runId?: string; type?: string; limit?: number; signal?: AbortSignal } = {},
  ): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return [];
    }
    const entries: AuditEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as AuditEntry;
        if (filter.runId !== undefined && entry.runId !== filter.runId) continue;
        if (filter.type !== undefined && entry.type !== filter.type) continue;
        entries.push(entry);
      } catch {
        // a torn last line
      }
    }
    return filter.limit === undefined ? entries : entries.slice(-filter.limit);
  }
}
