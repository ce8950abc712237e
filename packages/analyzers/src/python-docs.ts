import type { SourceFile } from './source-file.js';

/** A public module-level Python function or class. */
export interface PythonDefinition {
  name: string;
  kind: 'function' | 'class';
  file: string;
  line: number;
  documented: boolean;
}

const SKIPPED_DIRECTORIES = new Set([
  'docs',
  'doc',
  'examples',
  'example',
  'scripts',
  'benchmarks',
  'migrations',
]);
const SKIPPED_FILES = new Set([
  'setup.py',
  'conftest.py',
  'noxfile.py',
  'manage.py',
  '__main__.py',
]);
const DEFINITION = /^(async\s+def|def|class)\s+([A-Za-z_]\w*)/;
const DOCSTRING_START = /^[rRuUbBfF]{0,2}("""|'''|"|')/;

/**
 * True for a Python module that is part of the public API: not test code, not under `docs`,
 * `examples`, `scripts`, `benchmarks` or `migrations`, not a tooling file (`setup.py`,
 * `conftest.py`, ...), and with no path segment starting with `_` other than `__init__.py`.
 */
export function isPublicPythonModule(file: SourceFile): boolean {
  if (file.isTest) return false;
  const parts = file.path.split('/');
  const name = parts.at(-1)!;
  if (SKIPPED_FILES.has(name)) return false;
  if (
    parts
      .slice(0, -1)
      .some((part) => SKIPPED_DIRECTORIES.has(part) || part.startsWith('.') || part.startsWith('_'))
  ) {
    return false;
  }
  return name === '__init__.py' || !name.startsWith('_');
}

/** Names listed in a literal `__all__ = [...]` / `(...)`, or undefined when there is none. */
export function dunderAll(text: string): Set<string> | undefined {
  const match = /^__all__\s*(?::[^=]*)?=\s*[[(]([\s\S]*?)[\])]/m.exec(text);
  if (match === null) return undefined;
  return new Set([...match[1]!.matchAll(/["']([A-Za-z_]\w*)["']/g)].map((item) => item[1]!));
}

/**
 * Public module-level `def`, `async def` and `class` statements of a Python file and whether each
 * has a docstring. A light line scanner, not a parser: definitions are lines at column 0 outside
 * triple-quoted strings; names starting with `_` are private; a literal `__all__` limits the
 * public names; the docstring is the first statement after the (possibly multi-line) header.
 */
export function scanPythonDefinitions(file: SourceFile): PythonDefinition[] {
  const lines = file.text.split(/\r?\n/);
  const exported = dunderAll(file.text);
  const out: PythonDefinition[] = [];
  let openString: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (openString !== undefined) {
      if (countOf(line, openString) % 2 === 1) openString = undefined;
      continue;
    }
    const match = DEFINITION.exec(line);
    if (match === null) {
      for (const quote of ['"""', "'''"]) {
        if (countOf(line, quote) % 2 === 1) {
          openString = quote;
          break;
        }
      }
      continue;
    }
    const name = match[2]!;
    // Find the end of the header: the line where brackets balance and that ends with ':'.
    let depth = 0;
    let headerEnd = index;
    for (let cursor = index; cursor < lines.length; cursor++) {
      const code = lines[cursor]!.replace(/#.*$/, '');
      for (const character of code) {
        if (character === '(' || character === '[' || character === '{') depth += 1;
        else if (character === ')' || character === ']' || character === '}') depth -= 1;
      }
      headerEnd = cursor;
      if (depth <= 0 && /:\s*(\S.*)?$/.test(code.trimEnd())) break;
    }
    // A body on the header line (`def f(): return 1`) holds a docstring only if it starts with one.
    const last = lines[headerEnd]!.replace(/#.*$/, '').trimEnd();
    let documented = false;
    if (!last.endsWith(':')) {
      const colon = last.indexOf(':', Math.max(0, last.lastIndexOf(')')));
      documented = DOCSTRING_START.test(last.slice(colon + 1).trim());
    } else {
      for (let cursor = headerEnd + 1; cursor < lines.length; cursor++) {
        const next = lines[cursor]!.trim();
        if (next === '' || next.startsWith('#')) continue;
        documented = DOCSTRING_START.test(next);
        break;
      }
    }
    const definitionLine = index + 1;
    index = headerEnd;
    const isPublic = exported === undefined ? !name.startsWith('_') : exported.has(name);
    if (!isPublic) continue;
    out.push({
      name,
      kind: match[1] === 'class' ? 'class' : 'function',
      file: file.path,
      line: definitionLine,
      documented,
    });
  }
  return out;
}

function countOf(line: string, needle: string): number {
  let count = 0;
  for (
    let index = line.indexOf(needle);
    index !== -1;
    index = line.indexOf(needle, index + needle.length)
  ) {
    count += 1;
  }
  return count;
}

/** Public definitions of every public Python module, grouped by top-level directory. */
export function pythonPublicDefinitions(
  files: readonly SourceFile[],
): Map<string, PythonDefinition[]> {
  const groups = new Map<string, PythonDefinition[]>();
  for (const file of files) {
    if (!isPublicPythonModule(file)) continue;
    const definitions = scanPythonDefinitions(file);
    if (definitions.length === 0) continue;
    const directory = file.path.includes('/') ? file.path.slice(0, file.path.indexOf('/')) : '.';
    const list = groups.get(directory) ?? [];
    list.push(...definitions);
    groups.set(directory, list);
  }
  return groups;
}
