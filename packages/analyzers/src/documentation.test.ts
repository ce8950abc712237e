import { describe, expect, it } from 'vitest';
import { analyzeDocumentation, documentationResultSchema } from './documentation.js';
import { packageEntryTargets, resolveEntrySource, resolveRelativeImport } from './entry-points.js';
import { scanPythonDefinitions } from './python-docs.js';
import { fixturePath, tempProject } from './test-helpers.js';

describe('analyzeDocumentation', () => {
  it('measures the documented share of each package entry point and Python module', async () => {
    const result = await analyzeDocumentation({ root: fixturePath('docs-monorepo') });
    expect(documentationResultSchema.parse(result)).toEqual(result);
    if (result.status !== 'measured') throw new Error(result.summary);
    expect(
      result.symbols.map(
        (s) => `${s.documented ? '+' : '-'} ${s.kind} ${s.name} ${s.file}:${s.line}`,
      ),
    ).toEqual([
      '+ function add packages/lib/src/index.ts:2',
      '- function subtract packages/lib/src/index.ts:6',
      '+ interface Shape packages/lib/src/index.ts:11',
      '- type Id packages/lib/src/index.ts:15',
      '- variable version packages/lib/src/index.ts:22',
      '+ class default packages/lib/src/index.ts:25',
      // `export { helper as publicHelper } from './internal/helpers.js'`
      '+ function publicHelper packages/lib/src/internal/helpers.ts:2',
      // `export * from './models.js'` (overloads merge; the first carries the comment)
      '+ class User packages/lib/src/models.ts:2',
      '- enum Role packages/lib/src/models.ts:4',
      '+ function parse packages/lib/src/models.ts:12',
      '- variable first packages/lib/src/models.ts:20',
      '- variable second packages/lib/src/models.ts:20',
      // the `./utils` subpath export
      '- variable clamp packages/lib/src/utils.ts:1',
      '+ variable double packages/lib/src/utils.ts:4',
      // Python: __all__ limits geometry.py; _internal.py is private; the string is not code
      '+ function area pylib/geometry.py:6',
      '- function perimeter pylib/geometry.py:11',
      '+ class Circle pylib/geometry.py:18',
      '- function fetch_shape pylib/shapes.py:7',
      '+ class Square pylib/shapes.py:10',
    ]);
    expect([result.documented, result.total, result.percent]).toEqual([10, 19, 52.63]);
    expect(result.undocumented.map((symbol) => symbol.name)).toEqual([
      'subtract',
      'Id',
      'version',
      'Role',
      'first',
      'second',
      'clamp',
      'perimeter',
      'fetch_shape',
    ]);
    expect(result.packages.map((item) => [item.name, item.documented, item.total])).toEqual([
      ['@fx/lib', 7, 14],
      ['pylib', 3, 5],
    ]);
    // the private workspace app is not public API; `export { z } from 'zod'` is not ours
    expect(result.packages.some((item) => item.name === 'private-app')).toBe(false);
    expect(result.externalReExports).toEqual([
      { file: 'packages/lib/src/index.ts', specifier: 'zod' },
    ]);
    expect(result.summary).toBe('52.63% of the public API documented (10/19 symbols)');
  });

  it('keeps a doc comment followed by directive comments, but not one separated by code', async () => {
    const project = await tempProject();
    try {
      await project.write('package.json', JSON.stringify({ name: 'lib', main: './dist/index.js' }));
      await project.write(
        'src/index.ts',
        [
          '/** Documented. */',
          '// biome-ignore lint/suspicious/noExplicitAny: reason',
          'export const a: any = 1;',
          '/** Belongs to b. */',
          'const b = 2;',
          'export const c = b;',
          '/* not a doc comment */',
          'export const d = 3;',
        ].join('\n'),
      );
      const result = await analyzeDocumentation({ root: project.root });
      if (result.status !== 'measured') throw new Error(result.summary);
      expect(result.symbols.map((symbol) => [symbol.name, symbol.documented])).toEqual([
        ['a', true],
        ['c', false],
        ['d', false],
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('reports unknown, not 0%, when there is no public API', async () => {
    const project = await tempProject();
    try {
      await project.write('package.json', '{"name":"app"}');
      await project.write('index.js', 'console.log(1);\n');
      const result = await analyzeDocumentation({ root: project.root });
      expect(result.status).toBe('unknown');
      expect(result.summary).toMatch(/^Documentation coverage unknown: no public API found/);
    } finally {
      await project.cleanup();
    }
  });

  it('warns about entry points with no source and skips files that do not parse', async () => {
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        JSON.stringify({
          name: 'lib',
          exports: { '.': './dist/index.js', './cli': './dist/cli.js' },
        }),
      );
      await project.write(
        'src/index.ts',
        "export * from './broken.js';\n/** Ok. */\nexport const ok = 1;\n",
      );
      await project.write('src/broken.ts', 'export const = ;\n');
      await project.write('test/fixtures/broken-on-purpose.ts', 'export const = ;\n');
      const result = await analyzeDocumentation({ root: project.root });
      if (result.status !== 'measured') throw new Error(result.summary);
      expect(result.symbols.map((symbol) => symbol.name)).toEqual(['ok']);
      expect(result.percent).toBe(100);
      expect(result.warnings).toEqual([
        'lib: no source file found for ./cli -> ./dist/cli.js',
        '1 file(s) could not be parsed; their exports are not counted',
      ]);
      // The broken test fixture is not public API: it raises no warning (the count above is 1).
      expect(result.parseFailures.map((failure) => failure.path)).toContain('src/broken.ts');
    } finally {
      await project.cleanup();
    }
  });
});

describe('entry points', () => {
  it('collects every target of exports, main, module and types', () => {
    expect(
      packageEntryTargets({
        exports: {
          '.': {
            types: './dist/index.d.ts',
            import: './dist/index.js',
            require: './dist/index.cjs',
          },
          './styles.css': './dist/styles.css',
          './package.json': './package.json',
        },
        main: './dist/index.cjs',
        types: './dist/index.d.ts',
      }),
    ).toEqual([
      { subpath: '.', target: './dist/index.d.ts' },
      { subpath: '.', target: './dist/index.js' },
      { subpath: '.', target: './dist/index.cjs' },
      { subpath: 'main', target: './dist/index.cjs' },
      { subpath: 'types', target: './dist/index.d.ts' },
    ]);
  });

  it('maps built files back to sources', () => {
    const files = new Set(['src/index.ts', 'src/util/index.tsx', 'lib.js', 'pkg/src/a.mts']);
    expect(resolveEntrySource('.', './dist/index.js', files)).toBe('src/index.ts');
    expect(resolveEntrySource('.', './dist/esm/index.d.ts', files)).toBe('src/index.ts');
    expect(resolveEntrySource('.', './lib/util/index.js', files)).toBe('src/util/index.tsx');
    expect(resolveEntrySource('.', 'lib.js', files)).toBe('lib.js');
    expect(resolveEntrySource('pkg', './dist/a.mjs', files)).toBe('pkg/src/a.mts');
    expect(resolveEntrySource('.', './dist/missing.js', files)).toBeUndefined();
  });

  it('resolves relative imports to TypeScript sources', () => {
    const files = new Set(['src/a.ts', 'src/b/index.ts', 'src/c.tsx']);
    expect(resolveRelativeImport('src/x.ts', './a.js', files)).toBe('src/a.ts');
    expect(resolveRelativeImport('src/x.ts', './b', files)).toBe('src/b/index.ts');
    expect(resolveRelativeImport('src/b/index.ts', '../c.js', files)).toBe('src/c.tsx');
    expect(resolveRelativeImport('src/x.ts', 'zod', files)).toBeUndefined();
  });
});

describe('Python definitions', () => {
  it('finds docstrings after multi-line headers and decorators', () => {
    const text = [
      'import functools',
      '',
      '@functools.cache',
      'def cached(',
      '    x: int,',
      ') -> int:',
      '    # a comment first',
      '    r"""Raw docstring."""',
      '    return x',
      '',
      'class Plain(Base):',
      '    value = 1',
    ].join('\n');
    expect(
      scanPythonDefinitions({ path: 'm.py', language: 'python', text, isTest: false }),
    ).toEqual([
      { name: 'cached', kind: 'function', file: 'm.py', line: 4, documented: true },
      { name: 'Plain', kind: 'class', file: 'm.py', line: 11, documented: false },
    ]);
  });
});
