/** Output directories that builds write into and that map back to `src/`. */
const OUTPUT_DIRECTORIES = new Set([
  'dist',
  'lib',
  'build',
  'out',
  'esm',
  'cjs',
  'es',
  'types',
  'typings',
  'dist-types',
  'module',
]);
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const CODE_EXTENSION = /(\.d)?\.[cm]?[jt]sx?$/;

/** One entry point named in package.json. */
export interface EntryTarget {
  /** Subpath (`.` or `./utils`) or the field name (`main`, `types`, ...). */
  subpath: string;
  /** The target as written, relative to the package directory. */
  target: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every entry-point target a package.json names: `exports` (string, condition objects, subpath
 * maps, nested conditions and arrays), `main`, `module`, `types` and `typings`. `./package.json`
 * and non-code targets are left out; pattern subpaths (`./*`) are returned for the caller to report.
 */
export function packageEntryTargets(manifest: Record<string, unknown>): EntryTarget[] {
  const out: EntryTarget[] = [];
  const collect = (value: unknown, subpath: string): void => {
    if (typeof value === 'string') out.push({ subpath, target: value });
    else if (Array.isArray(value)) for (const item of value) collect(item, subpath);
    else if (isRecord(value)) {
      for (const [key, nested] of Object.entries(value)) {
        collect(nested, key.startsWith('.') ? key : subpath);
      }
    }
  };
  if (manifest.exports !== undefined) collect(manifest.exports, '.');
  for (const field of ['main', 'module', 'types', 'typings']) {
    if (typeof manifest[field] === 'string') out.push({ subpath: field, target: manifest[field] });
  }
  const seen = new Set<string>();
  return out.filter((entry) => {
    if (entry.subpath === './package.json' || entry.target.endsWith('package.json')) return false;
    if (!CODE_EXTENSION.test(entry.target) && !entry.target.includes('*')) {
      // `main: "index"` (no extension) is allowed; other non-code files (css, json) are not.
      if (/\.[a-z0-9]+$/i.test(entry.target)) return false;
    }
    const key = `${entry.subpath}\u0000${entry.target}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function normalise(file: string): string {
  const parts: string[] = [];
  for (const part of file.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function withExtensions(base: string, files: ReadonlySet<string>): string | undefined {
  for (const extension of SOURCE_EXTENSIONS) {
    if (files.has(`${base}${extension}`)) return `${base}${extension}`;
  }
  for (const extension of SOURCE_EXTENSIONS) {
    if (files.has(`${base}/index${extension}`)) return `${base}/index${extension}`;
  }
  return undefined;
}

/**
 * Maps an entry-point target to the source file it is built from (project-relative), e.g.
 * `./dist/index.js` -> `src/index.ts`, `./lib/esm/util.mjs` -> `src/util.ts`; a target that is
 * itself a source file is used as it is; a declaration file is the last resort.
 * `files` holds project-relative paths.
 */
export function resolveEntrySource(
  packageDirectory: string,
  target: string,
  files: ReadonlySet<string>,
): string | undefined {
  const prefix = packageDirectory === '.' ? '' : `${packageDirectory}/`;
  const relative = normalise(target);
  const full = normalise(`${prefix}${relative}`);
  const isDeclaration = /\.d\.[cm]?ts$/.test(relative);
  const parts = relative.split('/');
  const inOutput = parts.length > 1 && OUTPUT_DIRECTORIES.has(parts[0]!);
  if (!isDeclaration && !inOutput && files.has(full) && CODE_EXTENSION.test(full)) return full;
  const base = relative.replace(CODE_EXTENSION, '');
  const baseParts = base.split('/');
  // Strip leading output directories: dist/esm/index -> index; dist/src/index -> src/index.
  let start = 0;
  while (start < baseParts.length - 1 && OUTPUT_DIRECTORIES.has(baseParts[start]!)) start += 1;
  const rest = baseParts.slice(start).join('/');
  const candidates = [
    `src/${rest}`,
    rest,
    `src/${rest.replace(/^src\//, '')}`,
    base,
    `src/${baseParts.at(-1)!}`,
  ];
  for (const candidate of candidates) {
    const found = withExtensions(normalise(`${prefix}${candidate}`), files);
    if (found !== undefined && !/\.d\.[cm]?ts$/.test(found)) return found;
  }
  if (files.has(full)) return full;
  return undefined;
}

/**
 * Resolves a relative import (`./x.js`, `../y`, `./dir`) from a project file to a project file,
 * trying TypeScript sources for `.js` specifiers. Undefined for package imports and misses.
 */
export function resolveRelativeImport(
  fromFile: string,
  specifier: string,
  files: ReadonlySet<string>,
): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const directory = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/')) : '';
  const target = normalise(`${directory}/${specifier}`);
  const withoutJs = target.replace(/\.([cm]?)jsx?$/, '');
  if (withoutJs !== target) {
    const extension = /\.([cm]?)jsx?$/.exec(target)![1]!;
    for (const candidate of [
      `${withoutJs}.${extension}ts`,
      `${withoutJs}.tsx`,
      `${withoutJs}.d.${extension}ts`,
    ]) {
      if (files.has(candidate)) return candidate;
    }
  }
  if (files.has(target)) return target;
  return (
    withExtensions(target, files) ?? (files.has(`${target}.d.ts`) ? `${target}.d.ts` : undefined)
  );
}
