import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProjectIndex } from './project-index.js';
import { tempProject } from './test-helpers.js';

describe('createProjectIndex', () => {
  it('reads text files once, skips binary and oversized files, and parses on demand', async () => {
    const project = await tempProject();
    try {
      await project.write('src/a.ts', 'export function a(x?: number) {\n  return x ?? 1;\n}\n');
      await project.write('src/b.tsx', 'export const B = () => <div>{1}</div>;\n');
      await project.write('src/bad.js', 'const = 1;\n');
      await project.write('tool.py', 'def run():\n    pass\n');
      await project.write('big.txt', 'x'.repeat(200));
      await project.write('logo.png', 'not really a png');
      await writeFile(path.join(project.root, 'data.bin.txt'), Buffer.from([1, 0, 2]));
      const index = await createProjectIndex({ root: project.root, maxFileBytes: 100 });
      expect(index.files.map((file) => [file.path, file.language])).toEqual([
        ['src/a.ts', 'ts'],
        ['src/b.tsx', 'tsx'],
        ['src/bad.js', 'js'],
        ['tool.py', 'python'],
      ]);
      expect(index.skipped).toEqual([
        { path: 'big.txt', reason: 'larger than 100 bytes' },
        { path: 'data.bin.txt', reason: 'binary content' },
        { path: 'logo.png', reason: 'binary file type' },
      ]);
      const a = index.get('src/a.ts')!;
      const parsed = index.parse(a);
      expect(parsed?.program.body[0]?.type).toBe('ExportNamedDeclaration');
      expect(index.parse(a)).toBe(parsed); // cached
      expect(index.scriptFacts(a)?.functions).toEqual([
        { name: 'a', file: 'src/a.ts', line: 1, lines: 3, complexity: 2 },
      ]);
      expect(index.scriptFacts(index.get('src/b.tsx')!)?.module.exports).toMatchObject([
        { type: 'declared', name: 'B' },
      ]);
      expect(index.parse(index.get('src/bad.js')!)).toBeUndefined();
      expect(index.scriptFacts(index.get('src/bad.js')!)).toBeUndefined();
      expect(index.parse(index.get('tool.py')!)).toBeUndefined();
      expect(index.parseFailures).toMatchObject([{ path: 'src/bad.js', line: 1 }]);
      expect(index.scriptFiles.map((file) => file.path)).toEqual([
        'src/a.ts',
        'src/b.tsx',
        'src/bad.js',
      ]);
      expect(index.pythonFiles.map((file) => file.path)).toEqual(['tool.py']);
    } finally {
      await project.cleanup();
    }
  });
});
