import path from 'node:path';
import { ValidationError } from '@baton/core';
import { z } from 'zod';

/**
 * The longest composition id accepted, in UTF-8 bytes, so that `<id>.json`, its temp and lock
 * files and the id of the pattern derived from it fit the 255-byte file-name limit.
 */
export const MAX_ID_BYTES = 200;

// Characters Windows refuses in file names (`:` would even open an alternate data stream) and
// ASCII control characters. NUL is reported on its own because it is the classic injection.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
const UNSAFE_CHARACTERS = /[<>:"|?*\u0001-\u001f\u007f]/;

/**
 * Why `id` cannot name a stored file, or undefined when it can. The checks run on the id alone,
 * before any path is built: not empty, no NUL, no path separator, no `..`, no leading `.`, no
 * characters that are unsafe in file names, no surrounding whitespace, at most `maxBytes` bytes.
 */
export function idProblem(id: unknown, maxBytes = MAX_ID_BYTES): string | undefined {
  if (typeof id !== 'string') return 'must be a string';
  if (id.length === 0) return 'must not be empty';
  if (id.includes('\0')) return 'must not contain NUL characters';
  if (id.includes('/') || id.includes('\\'))
    return 'must not contain path separators ("/" or "\\")';
  if (id.includes('..')) return 'must not contain ".."';
  if (id.startsWith('.')) return 'must not start with "."';
  if (id.trim() !== id) return 'must not start or end with whitespace';
  if (UNSAFE_CHARACTERS.test(id)) {
    return 'must not contain control characters or any of < > : " | ? *';
  }
  if (Buffer.byteLength(id, 'utf8') > maxBytes) return `must be at most ${maxBytes} bytes (UTF-8)`;
  return undefined;
}

/** A zod schema for a stored record's id, with the checks of {@link idProblem}. */
export function recordIdSchema(maxBytes = MAX_ID_BYTES) {
  return z.string({ error: 'must be a string' }).superRefine((id, context) => {
    const problem = idProblem(id, maxBytes);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
}

/** Options of {@link assertValidId} and {@link recordPath}. */
export interface IdCheckOptions {
  /** The field the error names. Default `id`. */
  field?: string;
  /** Longest id in UTF-8 bytes. Default {@link MAX_ID_BYTES}. */
  maxBytes?: number;
}

/** Throws a {@link ValidationError} naming the field when `id` cannot name a stored file. */
export function assertValidId(id: unknown, options: IdCheckOptions = {}): asserts id is string {
  const problem = idProblem(id, options.maxBytes);
  if (problem !== undefined) throw new ValidationError(options.field ?? 'id', problem);
}

/**
 * The path of `<id>.json` inside `directory`, after checking the id (see {@link assertValidId})
 * and that the resolved path stays inside the directory.
 */
export function recordPath(directory: string, id: unknown, options: IdCheckOptions = {}): string {
  assertValidId(id, options);
  const root = path.resolve(directory);
  const file = path.resolve(root, `${id}.json`);
  if (path.dirname(file) !== root) {
    throw new ValidationError(
      options.field ?? 'id',
      'must name a file inside the storage directory',
    );
  }
  return file;
}
