import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a fixture project under `test/fixtures`. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

const created: string[] = [];

/** A fresh temporary directory, removed by {@link removeTemporaryDirectories}. */
export async function temporaryDirectory(prefix = 'baton-workflows-'): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), prefix));
  created.push(directory);
  return directory;
}

/** Removes every directory {@link temporaryDirectory} made. */
export async function removeTemporaryDirectories(): Promise<void> {
  await Promise.all(
    created.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
}

/**
 * Copies a fixture project to a temporary directory (outside any git work tree, so its files are
 * listed by a directory walk), optionally with Biome installed as `node_modules/.bin/biome` (a
 * script running the repository's own Biome) so that the quality analysis measures lint.
 */
export async function copyFixture(
  name: string,
  options: { withBiome?: boolean; withoutCoverage?: boolean } = {},
): Promise<string> {
  const directory = path.join(await temporaryDirectory(), name);
  await cp(fixturePath(name), directory, { recursive: true });
  if (options.withoutCoverage === true) {
    await rm(path.join(directory, 'coverage'), { recursive: true, force: true });
  }
  if (options.withBiome === true) {
    const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
    const bin = path.join(directory, 'node_modules', '.bin');
    await mkdir(bin, { recursive: true });
    const script = path.join(bin, 'biome');
    await writeFile(
      script,
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(biome)} "$@"\n`,
    );
    await chmod(script, 0o755);
  }
  return directory;
}
