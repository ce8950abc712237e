import { stat } from 'node:fs/promises';
import nodePath from 'node:path';
import { ValidationError } from '@baton/core';

/**
 * Checks a workflow's `execute` input: `path` (default `.`) must name a directory and `context`
 * (default `{}`) must be an object. Returns the absolute root and the context.
 *
 * @throws ValidationError naming `path` or `context`.
 */
export async function checkProjectInput(input: {
  path?: unknown;
  context?: unknown;
}): Promise<{ root: string; context: Record<string, unknown> }> {
  const { path: requested = '.', context = {} } = input;
  if (typeof requested !== 'string' || requested.trim() === '') {
    throw new ValidationError('path', 'must be a non-empty string');
  }
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new ValidationError('context', 'must be an object');
  }
  const root = nodePath.resolve(requested);
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ValidationError('path', `is not a directory: ${root}`);
  }
  return { root, context: context as Record<string, unknown> };
}
