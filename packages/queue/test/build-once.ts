import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builds dist before the tests: the worker processes they start import the built package. */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const manifest = createRequire(join(root, 'package.json')).resolve('tsup/package.json');
  const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }).bin
    .tsup;
  execFileSync(process.execPath, [join(dirname(manifest), bin!), '--silent'], {
    cwd: root,
    stdio: 'inherit',
  });
}
