import { resolve, sep } from 'node:path';
import { assertRunId, BATON_LAYOUT, ValidationError } from '@baton/core';

/** The files of a run folder (`<.baton>/runs/<run-id>/`). */
export const RUN_FILES = BATON_LAYOUT.run;

/** `<dir>/runs/<runId>`, checked to stay inside `<dir>/runs`. */
export function runDirectory(dir: string, runId: string): string {
  assertRunId(runId);
  const root = resolve(dir, BATON_LAYOUT.runs);
  const path = resolve(root, runId);
  if (!path.startsWith(root + sep))
    throw new ValidationError('runId', `"${runId}" escapes the runs folder`);
  return path;
}

/** Where Baton keeps a project's state: every path under its `.baton/` folder. */
export interface ProjectLayout {
  /** The project's `.baton` folder. */
  dir: string;
  runs: string;
  compositions: string;
  patterns: string;
  audit: string;
  serverToken: string;
}

/**
 * The `.baton/` folder of a project and what is in it: the one place that knows the layout.
 *
 * @example
 * ```ts
 * const layout = projectLayout('/work/app');
 * layout.compositions; // '/work/app/.baton/compositions'
 * ```
 */
export function projectLayout(projectDir: string): ProjectLayout {
  const dir = resolve(projectDir, BATON_LAYOUT.dir);
  return {
    dir,
    runs: resolve(dir, BATON_LAYOUT.runs),
    compositions: resolve(dir, BATON_LAYOUT.compositions),
    patterns: resolve(dir, BATON_LAYOUT.patterns),
    audit: resolve(dir, BATON_LAYOUT.audit),
    serverToken: resolve(dir, BATON_LAYOUT.serverToken),
  };
}
