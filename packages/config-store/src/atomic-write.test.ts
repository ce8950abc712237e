import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileNames, temporaryDirectory } from '../test/fixtures.js';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await temporaryDirectory()));
afterEach(() => cleanup());

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const file = path.join(dir, 'a.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, '{"new":true}\n');
    expect(await readFile(file, 'utf8')).toBe('{"new":true}\n');
    expect(await fileNames(dir)).toEqual(['a.json']);
  });

  it('removes its temp file and keeps the target when the rename fails', async () => {
    const target = path.join(dir, 'taken.json');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'keep');
    await expect(writeFileAtomic(target, 'text')).rejects.toThrow();
    expect(await fileNames(dir)).toEqual(['taken.json']);
    expect(await readFile(path.join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it('gives concurrent writers unique temp files so every write lands whole', async () => {
    const file = path.join(dir, 'shared.json');
    const texts = Array.from({ length: 20 }, (_, index) =>
      JSON.stringify({ index, pad: 'x'.repeat(5000) }),
    );
    await Promise.all(texts.map((text) => writeFileAtomic(file, text)));
    expect(texts).toContain(await readFile(file, 'utf8'));
    expect(await fileNames(dir)).toEqual(['shared.json']);
  });
});
