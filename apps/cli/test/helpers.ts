import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
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

const made: string[] = [];
// The folders a test file made go when it ends (hundreds a run, else left in the temp folder).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder in the temp folder, removed when the test file ends. */
export function tempDir(prefix = 'baton-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
