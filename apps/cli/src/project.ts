import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './io.js';

/** Resolves `--path` against the working directory; it must be an existing directory. */
export function resolveProjectDir(cwd: string, path: string | undefined, flag = 'path'): string {
  const dir = resolve(cwd, path ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--${flag} ${path ?? '.'}: not a directory (${dir})`);
  }
  return dir;
}

/** Where Baton keeps a project's state. */
export function batonDir(projectDir: string): string {
  return resolve(projectDir, '.baton');
}
