import path from 'node:path';

/** Directories the file walk never enters. */
export const SKIPPED_DIRECTORIES: readonly string[] = [
  'node_modules',
  'dist',
  'build',
  'coverage',
  '.git',
  'vendor',
];

/** Path segments that mark test code and test fixtures. */
const TEST_SEGMENTS = new Set([
  '__fixtures__',
  'fixtures',
  'fixture',
  '__tests__',
  '__mocks__',
  'test',
  'tests',
  'testdata',
  'spec',
  'e2e',
]);

/** Converts a path to forward slashes. */
export function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/**
 * True for test code and test fixtures: a path segment such as `__fixtures__`, `fixtures`,
 * `test`, `tests`, `__tests__`, or a file named `*.test.*`, `*.spec.*`, `test_*.py`, `*_test.py`,
 * `conftest.py`.
 */
export function isTestPath(file: string): boolean {
  const parts = toPosix(file).split('/');
  const name = parts.at(-1) ?? '';
  if (parts.slice(0, -1).some((part) => TEST_SEGMENTS.has(part.toLowerCase()))) return true;
  return (
    /\.(test|spec)\.[cm]?[jt]sx?$/i.test(name) ||
    /^test_.*\.py$/i.test(name) ||
    /_test\.py$/i.test(name) ||
    name === 'conftest.py'
  );
}

/** True for generated or bundled code that quality measures should not judge. */
export function isGeneratedPath(file: string): boolean {
  const parts = toPosix(file).split('/');
  const name = parts.at(-1) ?? '';
  if (parts.slice(0, -1).some((part) => SKIPPED_DIRECTORIES.includes(part))) return true;
  return /\.min\.[cm]?js$/.test(name) || /\.d\.[cm]?ts$/.test(name);
}

/** Source languages the analyzers understand. */
export type SourceLanguage = 'ts' | 'tsx' | 'js' | 'jsx' | 'python';

/** The language of a file from its extension, or undefined for other files. */
export function languageOf(file: string): SourceLanguage | undefined {
  const match = /\.([cm]?[jt]sx?|py)$/i.exec(file);
  if (match === null) return undefined;
  const extension = match[1]!.toLowerCase();
  if (extension === 'py') return 'python';
  if (extension === 'tsx') return 'tsx';
  if (extension === 'jsx') return 'jsx';
  if (extension.endsWith('ts')) return 'ts';
  return 'js';
}
