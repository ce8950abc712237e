import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Vitest global setup of every package: the tests' temp folders (`os.tmpdir()`, through
 * `TMPDIR`) go into one folder per test run, removed when the run ends, so that a run leaves
 * nothing behind in the machine's temp folder (the CI machine runs the suite again and again).
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), `baton-test-${basename(process.cwd())}-`));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
