import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BatonError, BatonErrorCode, ValidationError } from '@baton/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileNames, recordingLogger, temporaryDirectory } from '../test/fixtures.js';
import { PatternLibrary } from './pattern-library.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await temporaryDirectory()));
afterEach(() => cleanup());

const pattern = (id: string, confidence: number, type = 'agent_composition') => ({
  id,
  type,
  name: 'release_prep',
  confidence,
  context: { strategy: 'parallel' },
});

describe.each([
  ['file-backed', () => new PatternLibrary({ storageDir: dir })],
  ['in-memory', () => new PatternLibrary({ inMemory: true })],
])('PatternLibrary (%s)', (_kind, create) => {
  it('stores a contributed pattern and returns it by id', async () => {
    const library = create();
    const stored = await library.contribute(pattern('p1', 0.9));
    expect(stored).toEqual(pattern('p1', 0.9));
    expect(await library.get('p1')).toEqual(pattern('p1', 0.9));
    expect(await library.get('missing')).toBeUndefined();
  });

  it('replaces a pattern contributed again under the same id', async () => {
    const library = create();
    await library.contribute(pattern('p1', 0.7));
    await library.contribute({ ...pattern('p1', 0.95), context: { usageCount: 10 } });
    expect(await library.get('p1')).toMatchObject({
      confidence: 0.95,
      context: { usageCount: 10 },
    });
    expect(await library.list()).toHaveLength(1);
  });

  it('lists by confidence, highest first, ties by id, and filters by type', async () => {
    const library = create();
    await library.contribute(pattern('b', 0.8));
    await library.contribute(pattern('a', 0.8));
    await library.contribute(pattern('c', 0.95));
    await library.contribute(pattern('d', 0.99, 'prompt'));
    expect((await library.list()).map((entry) => entry.id)).toEqual(['d', 'c', 'a', 'b']);
    expect((await library.list({ type: 'agent_composition' })).map((entry) => entry.id)).toEqual([
      'c',
      'a',
      'b',
    ]);
    expect(await library.list({ type: 'unknown' })).toEqual([]);
  });

  it.each([
    [{ confidence: 1.2 }, 'confidence: must be <= 1'],
    [{ type: '' }, 'type: must be a non-empty string'],
    [{ name: ' ' }, 'name: must be a non-empty string'],
    [{ id: '../up' }, 'id: must not contain path separators'],
    [{ context: 'none' }, 'context: must be an object'],
  ])('rejects %j naming the field and stores nothing', async (override, message) => {
    const library = create();
    const error = await library
      .contribute({ ...pattern('p1', 0.5), ...(override as object) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
    expect(await library.list()).toEqual([]);
  });

  it('rejects unsafe ids in get and a bad type filter', async () => {
    const library = create();
    await expect(library.get('a/b')).rejects.toThrow('id: must not contain path separators');
    await expect(library.list({ type: '' })).rejects.toThrow('type: must be a non-empty string');
  });

  it('names the argument that is not an object', async () => {
    const library = create();
    await expect(library.contribute(null as never)).rejects.toThrow('pattern: must be an object');
    await expect(library.list(null as never)).rejects.toThrow(ValidationError);
    await expect(library.list(null as never)).rejects.toThrow('filter: must be an object');
  });

  it('honours an aborted signal', async () => {
    const library = create();
    await expect(
      library.contribute(pattern('p1', 0.5), { signal: AbortSignal.abort() }),
    ).rejects.toThrow('aborted');
    expect(await library.list()).toEqual([]);
  });
});

describe('PatternLibrary files', () => {
  it('writes one <id>.json per pattern and no temp files', async () => {
    const library = new PatternLibrary({ storageDir: path.join(dir, 'patterns') });
    await library.contribute(pattern('p1', 0.9));
    await library.contribute(pattern('p2', 0.8));
    expect(await fileNames(path.join(dir, 'patterns'))).toEqual(['p1.json', 'p2.json']);
    expect(JSON.parse(await readFile(path.join(dir, 'patterns', 'p1.json'), 'utf8'))).toEqual(
      pattern('p1', 0.9),
    );
  });

  it('is shared by two instances on the same directory', async () => {
    await new PatternLibrary({ storageDir: dir }).contribute(pattern('p1', 0.9));
    expect(await new PatternLibrary({ storageDir: dir }).get('p1')).toEqual(pattern('p1', 0.9));
  });

  it('skips a corrupt file in list with a warning, leaves it untouched, and refuses it in get', async () => {
    const logger = recordingLogger();
    const library = new PatternLibrary({ storageDir: dir, logger });
    await library.contribute(pattern('good', 0.9));
    const corrupt = path.join(dir, 'bad.json');
    await writeFile(corrupt, '{"id": "bad", "type": ');
    const before = await stat(corrupt);
    expect((await library.list()).map((entry) => entry.id)).toEqual(['good']);
    expect(logger.warnings).toEqual([
      {
        message: 'Skipping corrupt pattern file',
        data: expect.objectContaining({ path: corrupt }),
      },
    ]);
    const error = await library.get('bad').catch((caught: unknown) => caught);
    expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.STORAGE);
    expect(await readFile(corrupt, 'utf8')).toBe('{"id": "bad", "type": ');
    expect((await stat(corrupt)).mtimeMs).toBe(before.mtimeMs);
  });

  it('fails with BATON_STORAGE when the pattern cannot be written', async () => {
    const notADirectory = path.join(dir, 'plain-file');
    await writeFile(notADirectory, 'x');
    const library = new PatternLibrary({ storageDir: notADirectory });
    const error = await library.contribute(pattern('p1', 0.5)).catch((caught: unknown) => caught);
    expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.STORAGE);
    expect((error as Error).message).toContain(`Cannot create ${notADirectory}`);
  });

  it.each([
    [null, 'options: must be an object'],
    [{ storageDir: '' }, 'storageDir: must be a non-empty string'],
    [{ storageDir: 5 }, 'storageDir: must be a non-empty string'],
    [{ inMemory: 'yes' }, 'inMemory: must be a boolean'],
  ])('rejects the options %j naming the field', (options, message) => {
    const create = () => new PatternLibrary(options as never);
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(message);
  });

  it('defaults to .baton/patterns under the working directory', () => {
    expect(new PatternLibrary().storageDir).toBe(path.resolve('.baton', 'patterns'));
    expect(new PatternLibrary({ inMemory: true }).storageDir).toBeUndefined();
  });
});
