import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BatonError,
  BatonErrorCode,
  describeError,
  type Logger,
  mapWithConcurrency,
  throwIfAborted,
} from '@baton/core';
import { errorCode } from './file-lock.js';

/** Files read at the same time when listing a directory (well below any open-file limit). */
const MAX_OPEN_FILES = 32;

/** What reading one `<id>.json` record found. */
export type RecordRead<T> =
  | { status: 'missing' }
  | { status: 'ok'; value: T }
  | { status: 'corrupt'; reason: string; cause: unknown };

/**
 * Reads and parses one record file. A file that is not JSON, fails `parse`, or holds another id
 * than its name says is `corrupt` (it is never modified here).
 */
export async function readRecord<T extends { id: string }>(
  file: string,
  parse: (data: unknown) => T,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<RecordRead<T>> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal: options.signal });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { status: 'missing' };
    if (errorCode(error) === 'EISDIR') {
      return { status: 'corrupt', reason: 'is a directory', cause: error };
    }
    throwIfAborted(options.signal);
    throw storageError(`Cannot read ${file}`, error);
  }
  try {
    const value = parse(JSON.parse(text));
    const expectedId = path.basename(file, '.json');
    if (value.id !== expectedId) {
      return {
        status: 'corrupt',
        reason: `id "${value.id}" does not match the file name (expected "${expectedId}")`,
        cause: undefined,
      };
    }
    return { status: 'ok', value };
  } catch (error) {
    return { status: 'corrupt', reason: describeError(error), cause: error };
  }
}

/** A record file a listing skipped because it cannot be read; the file is left as it is. */
export interface CorruptFile {
  path: string;
  /** Why it cannot be used (not JSON, or which field is wrong). */
  reason: string;
  /** One sentence naming the file, for a person. */
  message: string;
}

/** Where a listing reports the corrupt files it skips. */
export type CorruptFileHandler = (file: CorruptFile) => void;

/**
 * Every valid record in `directory` (files `<id>.json`; hidden, temp and lock files are ignored),
 * in file-name order. Corrupt files are skipped and left untouched, each reported to `onCorrupt`
 * (or, without one, as a warning); a missing directory holds no records.
 */
export async function readAllRecords<T extends { id: string }>(
  directory: string,
  parse: (data: unknown) => T,
  options: {
    signal?: AbortSignal | undefined;
    logger: Logger;
    kind: string;
    onCorrupt?: CorruptFileHandler | undefined;
  },
): Promise<T[]> {
  throwIfAborted(options.signal);
  let names: string[];
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    names = entries
      .filter((entry) => entry.name.endsWith('.json') && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort(compareCodeUnits);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw storageError(`Cannot list ${directory}`, error);
  }
  const reads = await mapWithConcurrency(names, MAX_OPEN_FILES, async (name) => {
    const file = path.join(directory, name);
    return { file, read: await readRecord(file, parse, { signal: options.signal }) };
  });
  const records: T[] = [];
  for (const { file, read } of reads) {
    if (read.status === 'ok') records.push(read.value);
    else if (read.status === 'corrupt') {
      if (options.onCorrupt === undefined) {
        options.logger.warn(`Skipping corrupt ${options.kind} file`, {
          path: file,
          reason: read.reason,
        });
      } else {
        options.onCorrupt({
          path: file,
          reason: read.reason,
          message: `${capitalize(options.kind)} file ${file} is corrupt (skipped, left untouched): ${read.reason}`,
        });
      }
    }
  }
  return records;
}

/** A {@link BatonError} with code `BATON_STORAGE` for a failed file operation. */
export function storageError(message: string, cause: unknown): BatonError {
  if (BatonError.isInstance(cause)) return cause;
  return new BatonError(BatonErrorCode.STORAGE, `${message}: ${describeError(cause)}`, { cause });
}

/** The error for a record file that exists but cannot be used; the file is left as it is. */
export function corruptRecordError(kind: string, file: string, reason: string, cause: unknown) {
  return new BatonError(
    BatonErrorCode.STORAGE,
    `${kind} file ${file} is corrupt (left untouched): ${reason}`,
    { cause },
  );
}

function compareCodeUnits(left: string, right: string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}

const capitalize = (word: string): string => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
