import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectFiles } from './project-files.js';

function project() {
  const outside = mkdtempSync(path.join(tmpdir(), 'baton-outside-'));
  writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET');
  const root = mkdtempSync(path.join(tmpdir(), 'baton-project-'));
  mkdirSync(path.join(root, 'src'));
  mkdirSync(path.join(root, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'a.ts'), 'line 1\nconst token = getToken();\nline 3\n');
  writeFileSync(path.join(root, 'node_modules', 'dep', 'index.js'), 'getToken');
  writeFileSync(path.join(root, 'big.txt'), 'x'.repeat(2048));
  writeFileSync(path.join(root, 'image.bin'), Buffer.from([1, 0, 2, 3]));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'leak.txt'));
  symlinkSync(outside, path.join(root, 'leakdir'));
  return { root, outside, files: new ProjectFiles(root, { maxFileBytes: 1024 }) };
}

describe('ProjectFiles', () => {
  it('reads a file and a line range', async () => {
    const { files } = project();
    expect(await files.read('src/a.ts', { startLine: 2, endLine: 2 })).toEqual({
      path: 'src/a.ts',
      startLine: 2,
      endLine: 2,
      totalLines: 4,
      content: 'const token = getToken();',
    });
  });

  it('refuses paths outside the project: .., absolute, and symlinks that lead out', async () => {
    const { files, outside } = project();
    await expect(files.read('../x')).rejects.toThrow('must stay inside the project directory');
    await expect(files.read(path.join(outside, 'secret.txt'))).rejects.toThrow(
      'must stay inside the project directory',
    );
    await expect(files.read('leak.txt')).rejects.toThrow('leads outside the project directory');
    await expect(files.read('leakdir/secret.txt')).rejects.toThrow(
      'leads outside the project directory',
    );
    await expect(files.search('SECRET', { path: 'leakdir' })).rejects.toThrow('leads outside');
  });

  it('refuses files over the size limit and binary files', async () => {
    const { files } = project();
    await expect(files.read('big.txt')).rejects.toThrow('larger than the 1024-byte limit');
    await expect(files.read('image.bin')).rejects.toThrow('is a binary file');
  });

  it('cuts a long read and says where to continue', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'baton-long-'));
    writeFileSync(
      path.join(root, 'long.txt'),
      Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n'),
    );
    const files = new ProjectFiles(root, { maxReadChars: 50 });
    const text = await files.read('long.txt');
    expect(text.content.length).toBe(50);
    expect(text.truncated).toContain('read a line range from line');
  });

  it('lists files without node_modules, showing symlinks without following them', async () => {
    const { files } = project();
    const { entries } = await files.list('.');
    expect(entries.map((entry) => entry.path)).toEqual([
      'big.txt',
      'image.bin',
      'leak.txt',
      'leakdir',
      'src/',
      'src/a.ts',
    ]);
  });

  it('searches text files, skipping node_modules, symlinks and binaries', async () => {
    const { files } = project();
    expect(await files.search('GETTOKEN')).toEqual({
      matches: [{ path: 'src/a.ts', line: 2, text: 'const token = getToken();' }],
    });
    expect((await files.search('SECRET')).matches).toEqual([]);
    await expect(files.search('(', { regex: true })).rejects.toThrow(
      'query: is not a valid regular expression',
    );
  });
});
