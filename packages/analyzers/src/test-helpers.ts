import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a fixture project under `src/__fixtures__`. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));
}

/** A temporary directory (outside any git repository) removed by `cleanup`. */
export interface TempProject {
  root: string;
  write(file: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates a temporary project, optionally starting as a copy of a fixture. */
export async function tempProject(fixture?: string): Promise<TempProject> {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-analyzers-'));
  if (fixture !== undefined) await cp(fixturePath(fixture), root, { recursive: true });
  return {
    root,
    async write(file, text) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
