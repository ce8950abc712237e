import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../src/cli.js';
import type { CliIo } from '../src/io.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs the CLI in-process and captures its output. */
export async function baton(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIo = {
    stdout,
    stderr,
    cwd: options.cwd ?? tempDir(),
    env: options.env ?? {},
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A new empty folder in the test run's temp folder (removed with it: `vitest.temp-dir.ts`). */
export function tempDir(prefix = 'baton-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
