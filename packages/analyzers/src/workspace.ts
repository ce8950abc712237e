import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** A package of the project: the root package, or a workspace package of a monorepo. */
export const workspacePackageSchema = z.object({
  /** `name` from its package.json (or the directory name). */
  name: z.string(),
  /** Directory relative to the project root (`.` for the root). */
  directory: z.string(),
  /** The parsed package.json, when there is one. */
  manifest: z.record(z.string(), z.unknown()).optional(),
});
/** A package of the project. */
export type WorkspacePackage = z.infer<typeof workspacePackageSchema>;

/** Package managers the analyzers can drive. */
export type PackageManager = 'pnpm' | 'npm' | 'yarn' | 'bun';

/** Reads and parses a JSON file; undefined when it is missing or not valid JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The project's package manager: `packageManager` in package.json, else its lockfile; npm by default. */
export async function detectPackageManager(root: string): Promise<PackageManager> {
  const manifest = await readJsonFile(path.join(root, 'package.json'));
  if (isRecord(manifest) && typeof manifest.packageManager === 'string') {
    const name = manifest.packageManager.split('@')[0];
    if (name === 'pnpm' || name === 'npm' || name === 'yarn' || name === 'bun') return name;
  }
  const lockfiles: Array<[string, PackageManager]> = [
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lockb', 'bun'],
    ['bun.lock', 'bun'],
    ['package-lock.json', 'npm'],
  ];
  for (const [file, manager] of lockfiles) {
    if (await exists(path.join(root, file))) return manager;
  }
  return 'npm';
}

async function exists(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch {
    return false;
  }
}

/** Workspace globs from package.json `workspaces` and pnpm-workspace.yaml `packages`. */
async function workspaceGlobs(root: string): Promise<string[]> {
  const globs: string[] = [];
  const manifest = await readJsonFile(path.join(root, 'package.json'));
  if (isRecord(manifest)) {
    const workspaces = manifest.workspaces;
    const list = Array.isArray(workspaces)
      ? workspaces
      : isRecord(workspaces) && Array.isArray(workspaces.packages)
        ? workspaces.packages
        : [];
    for (const entry of list) if (typeof entry === 'string') globs.push(entry);
  }
  try {
    const yaml = await readFile(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
    globs.push(...pnpmWorkspacePackages(yaml));
  } catch {
    // no pnpm workspace
  }
  return globs;
}

/** The `packages:` list of a pnpm-workspace.yaml (a small YAML subset: a block list of strings). */
export function pnpmWorkspacePackages(yaml: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      const inline = /\[(.*)\]/.exec(line);
      if (inline !== null) {
        for (const item of inline[1]!.split(',')) {
          const value = item.trim().replace(/^['"]|['"]$/g, '');
          if (value !== '') out.push(value);
        }
        inPackages = false;
      }
      continue;
    }
    if (!inPackages) continue;
    const item = /^\s+-\s*(['"]?)(.+?)\1\s*(#.*)?$/.exec(line);
    if (item !== null) out.push(item[2]!);
    else if (/^\S/.test(line)) inPackages = false;
  }
  return out;
}

/** A glob segment (`*`, `**`, `pre*`) as a RegExp. */
function segmentPattern(segment: string): RegExp {
  const escaped = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}

/** True when a directory path matches a workspace glob (`packages/*`, `apps/**`, `tools/cli`). */
export function matchesWorkspaceGlob(directory: string, glob: string): boolean {
  const globParts = glob.replace(/^\.\//, '').replace(/\/$/, '').split('/');
  const parts = directory.split('/');
  const match = (g: number, p: number): boolean => {
    if (g === globParts.length) return p === parts.length;
    const segment = globParts[g]!;
    if (segment === '**') {
      for (let next = p; next <= parts.length; next++) if (match(g + 1, next)) return true;
      return false;
    }
    if (p === parts.length) return false;
    return segmentPattern(segment).test(parts[p]!) && match(g + 1, p + 1);
  };
  return match(0, 0);
}

/**
 * The project's packages: every directory holding a package.json that a workspace glob matches
 * (package.json `workspaces`, pnpm-workspace.yaml `packages`; `!negations` exclude), plus the root.
 * `files` is the project's file list (see `listProjectFiles`).
 */
export async function listWorkspacePackages(
  root: string,
  files: readonly string[],
): Promise<WorkspacePackage[]> {
  const globs = await workspaceGlobs(root);
  const include = globs.filter((glob) => !glob.startsWith('!'));
  const exclude = globs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1));
  const packages: WorkspacePackage[] = [];
  const rootManifest = await readJsonFile(path.join(root, 'package.json'));
  packages.push({
    name: isRecord(rootManifest) && typeof rootManifest.name === 'string' ? rootManifest.name : '.',
    directory: '.',
    ...(isRecord(rootManifest) ? { manifest: rootManifest } : {}),
  });
  if (include.length === 0) return packages;
  const manifests = files.filter((file) => file.endsWith('/package.json'));
  for (const manifestPath of manifests) {
    const directory = manifestPath.slice(0, -'/package.json'.length);
    if (directory.split('/').includes('node_modules')) continue;
    if (!include.some((glob) => matchesWorkspaceGlob(directory, glob))) continue;
    if (exclude.some((glob) => matchesWorkspaceGlob(directory, glob))) continue;
    const manifest = await readJsonFile(path.join(root, manifestPath));
    packages.push({
      name:
        isRecord(manifest) && typeof manifest.name === 'string'
          ? manifest.name
          : path.basename(directory),
      directory,
      ...(isRecord(manifest) ? { manifest } : {}),
    });
  }
  return packages.sort((a, b) => a.directory.localeCompare(b.directory));
}
