import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError, BatonError, BatonErrorCode, ValidationError } from '@baton/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fileNames,
  makeAgent,
  recordingLogger,
  steppingClock,
  temporaryDirectory,
} from '../test/fixtures.js';
import { AgentConfiguration, type AgentConfigurationInit } from './agent-configuration.js';
import { ConfigurationStore } from './configuration-store.js';
import type { CorruptFile } from './json-records.js';
import { PatternLibrary } from './pattern-library.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await temporaryDirectory()));
afterEach(() => cleanup());

function composition(id: string, overrides: Partial<AgentConfigurationInit> = {}) {
  return new AgentConfiguration({
    id,
    taskPattern: 'release_prep',
    agents: [makeAgent()],
    strategy: 'parallel',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });
}

/** A composition with the given outcomes recorded. */
function used(
  id: string,
  outcomes: Array<[boolean, number]>,
  overrides: Partial<AgentConfigurationInit> = {},
) {
  const config = composition(id, overrides);
  for (const [success, score] of outcomes) config.recordOutcome(success, score);
  return config;
}

const ids = (configs: AgentConfiguration[]) => configs.map((config) => config.id);

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('ConfigurationStore', () => {
  it('defaults to .baton/compositions under the working directory', () => {
    expect(new ConfigurationStore().storageDir).toBe(path.resolve('.baton', 'compositions'));
  });

  it.each([
    [null, 'options: must be an object'],
    [{ storageDir: '' }, 'storageDir: must be a non-empty string'],
    [{ storageDir: '  ' }, 'storageDir: must be a non-empty string'],
    [{ storageDir: 5 }, 'storageDir: must be a non-empty string'],
    [{ patternLibrary: {} }, 'patternLibrary: must be a PatternLibrary'],
    [{ clock: 'now' }, 'clock: must be a function returning a Date'],
    [{ lock: 5 }, 'lock: must be an object'],
    [{ lock: { timeoutSeconds: 0 } }, 'lock.timeoutSeconds: must be a number > 0 (got 0)'],
    [{ lock: { staleSeconds: Number.NaN } }, 'lock.staleSeconds: must be a number > 0 (got NaN)'],
    [{ lock: { timeoutSeconds: '5' } }, 'lock.timeoutSeconds: must be a number > 0 (got 5)'],
  ])('rejects the options %j naming the field', (options, message) => {
    const create = () => new ConfigurationStore(options as never);
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(message);
  });

  describe('save and load', () => {
    it('writes one <id>.json holding the JSON form and returns its path', async () => {
      const store = new ConfigurationStore({ storageDir: path.join(dir, 'nested', 'store') });
      const config = used('comp-1', [[true, 88]]);
      const file = await store.save(config);
      expect(file).toBe(path.join(dir, 'nested', 'store', 'comp-1.json'));
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(config.toJSON());
      expect(await fileNames(path.join(dir, 'nested', 'store'))).toEqual(['comp-1.json']);
    });

    it('loads what it saved', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      const config = used(
        'comp-1',
        [
          [true, 88],
          [false, 20],
        ],
        { tags: ['ci'] },
      );
      await store.save(config);
      const loaded = await store.load('comp-1');
      expect(loaded).toBeInstanceOf(AgentConfiguration);
      expect(loaded?.toJSON()).toEqual(config.toJSON());
    });

    it('returns undefined for an id that was never saved', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      expect(await store.load('nothing-here')).toBeUndefined();
      expect(
        await new ConfigurationStore({ storageDir: path.join(dir, 'absent') }).load('x'),
      ).toBeUndefined();
    });

    it('replaces an earlier version on save', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('comp-1'));
      await store.save(used('comp-1', [[true, 70]]));
      expect((await store.load('comp-1'))?.usageCount).toBe(1);
      expect(await fileNames(dir)).toEqual(['comp-1.json']);
    });

    it('validates a plain object passed as a configuration before writing', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      const bad = { ...composition('comp-1').toJSON(), successRate: 2 };
      const error = await caught(store.save(bad as unknown as AgentConfiguration));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('successRate');
      expect(await fileNames(dir)).toEqual([]);
    });

    it('names the config when save is given something that is not one', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      const error = await caught(store.save(null as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe('config: must be an AgentConfiguration');
    });

    it('refuses to load a corrupt file and leaves it untouched', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await writeFile(path.join(dir, 'broken.json'), 'not json');
      const error = await caught(store.load('broken'));
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.STORAGE);
      expect((error as Error).message).toContain('broken.json is corrupt (left untouched)');
      expect(await readFile(path.join(dir, 'broken.json'), 'utf8')).toBe('not json');
    });

    it('gives loaded compositions the store clock', async () => {
      const store = new ConfigurationStore({
        storageDir: dir,
        clock: steppingClock('2030-05-05T05:05:05.000Z'),
      });
      await store.save(composition('comp-1'));
      const loaded = await store.load('comp-1');
      loaded?.recordOutcome(true, 50);
      expect(loaded?.lastUsed?.toISOString()).toBe('2030-05-05T05:05:05.000Z');
    });
  });

  describe('ids', () => {
    const attempts = ['../x', 'a/b', 'a\\b', '..', 'nul\0byte', '', '../../etc/passwd', '/abs'];

    it.each(attempts)('rejects %j in every method before touching the disk', async (id) => {
      const outside = path.join(dir, 'store');
      const store = new ConfigurationStore({ storageDir: outside });
      const calls: Array<() => Promise<unknown>> = [
        () => store.load(id),
        () => store.delete(id),
        () => store.recordOutcome(id, { success: true, qualityScore: 50 }),
        () => store.save(composition(id)),
      ];
      for (const call of calls) {
        const error = await caught(Promise.resolve().then(call));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe('id');
      }
      expect(await readdir(dir)).toEqual([]);
    });
  });

  describe('search', () => {
    async function seeded(logger = recordingLogger()) {
      const store = new ConfigurationStore({ storageDir: dir, logger });
      await store.save(
        used('a-low', [
          [true, 60],
          [false, 60],
        ]),
      ); // rate 0.5, score 60
      await store.save(used('b-top', [[true, 90]])); // rate 1, score 90
      await store.save(used('c-tie', [[true, 70]])); // rate 1, score 70
      await store.save(used('d-tie', [[true, 70]])); // rate 1, score 70 (same as c)
      await store.save(used('e-other', [[true, 99]], { taskPattern: 'test_coverage' }));
      await store.save(composition('f-new')); // never used: rate 0, score 0
      return store;
    }

    it('sorts by success rate, then quality score, descending; ties keep id order', async () => {
      const store = await seeded();
      expect(ids(await store.search())).toEqual([
        'e-other',
        'b-top',
        'c-tie',
        'd-tie',
        'a-low',
        'f-new',
      ]);
    });

    it('keeps ties in id order whatever order they were saved in', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      for (const id of ['t3', 't1', 't4', 't2']) await store.save(used(id, [[true, 80]]));
      expect(ids(await store.search())).toEqual(['t1', 't2', 't3', 't4']);
    });

    it('filters by task pattern', async () => {
      const store = await seeded();
      expect(ids(await store.search({ taskPattern: 'test_coverage' }))).toEqual(['e-other']);
      expect(await store.search({ taskPattern: 'unknown' })).toEqual([]);
    });

    it('filters minimums with >=', async () => {
      const store = await seeded();
      expect(ids(await store.search({ taskPattern: 'release_prep', minSuccessRate: 0.5 }))).toEqual(
        ['b-top', 'c-tie', 'd-tie', 'a-low'],
      );
      expect(ids(await store.search({ minSuccessRate: 1, minQualityScore: 90 }))).toEqual([
        'e-other',
        'b-top',
      ]);
      expect(ids(await store.search({ minQualityScore: 70, minSuccessRate: 0.51 }))).toEqual([
        'e-other',
        'b-top',
        'c-tie',
        'd-tie',
      ]);
    });

    it('returns at most limit results', async () => {
      const store = await seeded();
      expect(ids(await store.search({ limit: 2 }))).toEqual(['e-other', 'b-top']);
      expect(await store.search({ limit: 1, taskPattern: 'release_prep' })).toHaveLength(1);
    });

    it.each([
      [{ minSuccessRate: 1.1 }, 'minSuccessRate: must be between 0 and 1'],
      [{ minSuccessRate: -0.1 }, 'minSuccessRate: must be between 0 and 1'],
      [{ minSuccessRate: '0.5' }, 'minSuccessRate: must be a number'],
      [{ minQualityScore: 101 }, 'minQualityScore: must be between 0 and 100'],
      [{ minQualityScore: -1 }, 'minQualityScore: must be between 0 and 100'],
      [{ limit: 0 }, 'limit: must be >= 1'],
      [{ limit: 2.5 }, 'limit: must be an integer'],
      [{ limit: Number.NaN }, 'limit: must be a number'],
      [{ taskPattern: '' }, 'taskPattern: must be a non-empty string'],
    ])('rejects %j naming the field', async (filters, message) => {
      const store = new ConfigurationStore({ storageDir: dir });
      const error = await caught(store.search(filters as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(message);
    });

    it.each([
      [null, 'filters: must be an object'],
      ['release_prep', 'filters: must be an object'],
      [[], 'filters: must be an object'],
      [
        { minSucessRate: 0.9 },
        'minSucessRate: unknown filter (known: taskPattern, minSuccessRate, minQualityScore, limit)',
      ],
    ])('rejects the filters %j naming the field', async (filters, message) => {
      const store = await seeded();
      const error = await caught(store.search(filters as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(message);
    });

    it('finds nothing in a store that does not exist yet', async () => {
      expect(await new ConfigurationStore({ storageDir: path.join(dir, 'none') }).search()).toEqual(
        [],
      );
    });

    it('skips corrupt files with a warning and leaves them untouched', async () => {
      const logger = recordingLogger();
      const store = await seeded(logger);
      const corrupt = {
        'bad-json.json': '{"id": "bad-json",',
        'bad-schema.json': JSON.stringify({
          ...used('bad-schema', [[true, 90]]).toJSON(),
          successRate: 7,
        }),
        'wrong-id.json': JSON.stringify(used('other-id', [[true, 90]]).toJSON()),
      };
      for (const [name, text] of Object.entries(corrupt))
        await writeFile(path.join(dir, name), text);
      await mkdir(path.join(dir, 'folder.json'));
      const before = await Promise.all(
        Object.keys(corrupt).map((name) => stat(path.join(dir, name))),
      );

      expect(ids(await store.search({ minSuccessRate: 1 }))).toEqual([
        'e-other',
        'b-top',
        'c-tie',
        'd-tie',
      ]);
      expect(ids(await store.listAll())).toHaveLength(6);
      expect(await store.getBestForTask('release_prep')).toMatchObject({ id: 'b-top' });

      const warned = logger.warnings.map((warning) => [
        warning.message,
        path.basename(String(warning.data?.path)),
      ]);
      expect(warned).toContainEqual(['Skipping corrupt composition file', 'bad-json.json']);
      expect(warned).toContainEqual(['Skipping corrupt composition file', 'bad-schema.json']);
      expect(warned).toContainEqual(['Skipping corrupt composition file', 'wrong-id.json']);
      expect(warned).toContainEqual(['Skipping corrupt composition file', 'folder.json']);
      expect(
        logger.warnings.find((warning) => String(warning.data?.path).endsWith('bad-schema.json'))
          ?.data?.reason,
      ).toContain('successRate: must be <= 1');
      for (const [index, [name, text]] of Object.entries(corrupt).entries()) {
        expect(await readFile(path.join(dir, name), 'utf8')).toBe(text);
        expect((await stat(path.join(dir, name))).mtimeMs).toBe(before[index]!.mtimeMs);
      }
    });

    it('tells onCorruptFile of each corrupt file instead of the logger, naming it', async () => {
      const logger = recordingLogger();
      const corrupt: CorruptFile[] = [];
      const store = new ConfigurationStore({
        storageDir: dir,
        logger,
        onCorruptFile: (file) => corrupt.push(file),
      });
      await store.save(used('fine', [[true, 80]]));
      await writeFile(path.join(dir, 'cut.json'), '{"id": "cut", "taskPat');
      expect(ids(await store.listAll())).toEqual(['fine']);
      const file = path.join(dir, 'cut.json');
      expect(corrupt.map((problem) => problem.path)).toEqual([file]);
      expect(corrupt[0]!.reason).toMatch(/JSON/);
      expect(corrupt[0]!.message).toBe(
        `Composition file ${file} is corrupt (skipped, left untouched): ${corrupt[0]!.reason}`,
      );
      expect(logger.warnings).toEqual([]);
    });

    it('ignores temp, lock and hidden files', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(used('real', [[true, 80]]));
      await writeFile(path.join(dir, '.real.json.123.abc.tmp'), 'partial');
      await writeFile(path.join(dir, 'real.json.lock'), '{}');
      await writeFile(path.join(dir, '.hidden.json'), '{}');
      await writeFile(path.join(dir, 'notes.txt'), 'hello');
      expect(ids(await store.listAll())).toEqual(['real']);
    });
  });

  describe('getBestForTask', () => {
    it('returns the first search result for the task pattern, or undefined', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(
        used('ok', [
          [true, 60],
          [false, 60],
        ]),
      );
      await store.save(
        used('best', [
          [true, 80],
          [true, 75],
        ]),
      );
      await store.save(used('elsewhere', [[true, 100]], { taskPattern: 'security_audit' }));
      expect((await store.getBestForTask('release_prep'))?.id).toBe('best');
      expect(await store.getBestForTask('documentation')).toBeUndefined();
    });
  });

  describe('listForTask and saveIfMissing', () => {
    it('lists every composition of one task pattern in id order, unlimited', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      for (let index = 12; index >= 0; index -= 1) {
        await store.save(composition(`cand-${String(index).padStart(2, '0')}`));
      }
      await store.save(composition('other', { taskPattern: 'security_deep_dive' }));
      const listed = await store.listForTask('release_prep');
      expect(ids(listed)).toEqual(
        Array.from({ length: 13 }, (_, index) => `cand-${String(index).padStart(2, '0')}`),
      );
      await expect(store.listForTask('')).rejects.toThrow(
        'taskPattern: must be a non-empty string',
      );
    });

    it('saves a candidate once and never resets the outcomes recorded on it since', async () => {
      const store = new ConfigurationStore({ storageDir: path.join(dir, 'fresh') });
      const first = await store.saveIfMissing(composition('cand'));
      expect(first.saved).toBe(true);
      await store.recordOutcome('cand', { success: true, qualityScore: 90 });
      const again = await store.saveIfMissing(composition('cand'));
      expect(again.saved).toBe(false);
      expect(again.composition.usageCount).toBe(1);
      expect((await store.load('cand'))?.usageCount).toBe(1);
    });

    it('refuses to register over a corrupt file and leaves it untouched', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await writeFile(path.join(dir, 'cand.json'), '{');
      const error = await caught(store.saveIfMissing(composition('cand')));
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.STORAGE);
      expect(await readFile(path.join(dir, 'cand.json'), 'utf8')).toBe('{');
    });
  });

  describe('delete', () => {
    it('removes the file and reports whether there was one', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('gone'));
      await store.save(composition('stays'));
      expect(await store.delete('gone')).toBe(true);
      expect(await store.delete('gone')).toBe(false);
      expect(await store.load('gone')).toBeUndefined();
      expect(await fileNames(dir)).toEqual(['stays.json']);
    });
  });

  describe('listAll', () => {
    it('sorts by lastUsed descending with never-used compositions last in id order', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      const at = (iso: string) => ({ clock: steppingClock(iso) });
      const withUse = (id: string, iso: string) =>
        new AgentConfiguration(composition(id).toJSON(), at(iso)).recordOutcome(true, 50);
      await store.save(composition('never-b'));
      await store.save(withUse('old', '2026-01-01T00:00:00.000Z'));
      await store.save(composition('never-a'));
      await store.save(withUse('newest', '2026-03-01T00:00:00.000Z'));
      await store.save(withUse('middle', '2026-02-01T00:00:00.000Z'));
      expect(ids(await store.listAll())).toEqual(['newest', 'middle', 'old', 'never-a', 'never-b']);
    });

    it('lists a composition last used before 1970 before the never-used ones', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('never'));
      await store.save(
        new AgentConfiguration(composition('ancient').toJSON(), {
          clock: steppingClock('1969-07-20T20:17:00.000Z'),
        }).recordOutcome(true, 50),
      );
      expect(ids(await store.listAll())).toEqual(['ancient', 'never']);
    });

    it('is empty for a store that does not exist yet', async () => {
      expect(
        await new ConfigurationStore({ storageDir: path.join(dir, 'none') }).listAll(),
      ).toEqual([]);
    });
  });

  describe('recordOutcome', () => {
    it('applies the outcome to the stored file and returns the updated composition', async () => {
      const store = new ConfigurationStore({
        storageDir: dir,
        clock: steppingClock('2026-04-01T12:00:00.000Z'),
      });
      await store.save(composition('comp-1'));
      const first = await store.recordOutcome('comp-1', { success: true, qualityScore: 80 });
      const second = await store.recordOutcome('comp-1', { success: false, qualityScore: 40 });
      expect(first.usageCount).toBe(1);
      expect(second.toJSON()).toMatchObject({
        usageCount: 2,
        successCount: 1,
        failureCount: 1,
        successRate: 0.5,
        avgQualityScore: 0.7 * 40 + 0.3 * 80,
        lastUsed: '2026-04-01T12:00:00.000Z',
      });
      expect((await store.load('comp-1'))?.toJSON()).toEqual(second.toJSON());
      expect(await fileNames(dir)).toEqual(['comp-1.json']);
    });

    it('sees changes made through another store instance on the same directory', async () => {
      const one = new ConfigurationStore({ storageDir: dir });
      const two = new ConfigurationStore({ storageDir: dir });
      await one.save(composition('shared'));
      await one.recordOutcome('shared', { success: true, qualityScore: 90 });
      await two.recordOutcome('shared', { success: false, qualityScore: 10 });
      await one.recordOutcome('shared', { success: true, qualityScore: 90 });
      expect((await two.load('shared'))?.toJSON()).toMatchObject({
        usageCount: 3,
        successCount: 2,
      });
    });

    it('loses no update when called concurrently in one process', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('busy'));
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.recordOutcome('busy', { success: index % 4 !== 0, qualityScore: 50 }),
        ),
      );
      expect((await store.load('busy'))?.toJSON()).toMatchObject({
        usageCount: 20,
        successCount: 15,
        failureCount: 5,
        successRate: 0.75,
      });
      expect(await fileNames(dir)).toEqual(['busy.json']);
    });

    it.each([
      [{ success: true, qualityScore: 101 }, 'qualityScore: must be between 0 and 100 (got 101)'],
      [{ success: true, qualityScore: -5 }, 'qualityScore: must be between 0 and 100 (got -5)'],
      [{ success: 1, qualityScore: 50 }, 'success: must be a boolean'],
      [{ success: true }, 'qualityScore: must be a finite number, or null when unknown'],
      [
        { success: true, qualityScore: 50, costUsd: -1 },
        'costUsd: must be a finite number >= 0, or null when unknown',
      ],
      [null, 'outcome: must be an object'],
    ])('rejects the outcome %j naming the field and changes nothing', async (outcome, message) => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('comp-1'));
      const before = await readFile(path.join(dir, 'comp-1.json'), 'utf8');
      const error = await caught(store.recordOutcome('comp-1', outcome as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(message);
      expect(await readFile(path.join(dir, 'comp-1.json'), 'utf8')).toBe(before);
    });

    it('creates a missing composition with create and records its first outcome in one step', async () => {
      const store = new ConfigurationStore({ storageDir: path.join(dir, 'new', 'compositions') });
      let calls = 0;
      const create = () => {
        calls += 1;
        return composition('fresh');
      };
      const first = await store.recordOutcome(
        'fresh',
        { success: true, qualityScore: 80 },
        { create },
      );
      expect(first.toJSON()).toMatchObject({ id: 'fresh', usageCount: 1, avgQualityScore: 80 });
      const second = await store.recordOutcome(
        'fresh',
        { success: false, qualityScore: 20 },
        { create },
      );
      // Called only while the composition did not exist: the stored one is updated after that.
      expect(calls).toBe(1);
      expect(second.toJSON()).toMatchObject({ usageCount: 2, successCount: 1, failureCount: 1 });
      expect(await fileNames(path.join(dir, 'new', 'compositions'))).toEqual(['fresh.json']);
    });

    it('loses no first outcome when one process creates the same composition concurrently', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await Promise.all(
        Array.from({ length: 12 }, () =>
          store.recordOutcome(
            'raced',
            { success: true, qualityScore: 60 },
            { create: () => composition('raced') },
          ),
        ),
      );
      expect((await store.load('raced'))?.usageCount).toBe(12);
    });

    it.each([
      ['not a function', 'create: must be a function returning an AgentConfiguration'],
      [() => composition('other'), 'create: must return the composition "comp-1" (got "other")'],
      [
        () => used('comp-1', [[true, 50]]),
        'create: must return an unused composition (got usageCount 1)',
      ],
      [() => null, 'create: must return an AgentConfiguration'],
    ])(
      'refuses a create that does not make the unused composition asked for (%#)',
      async (create, message) => {
        const store = new ConfigurationStore({ storageDir: dir });
        const error = await caught(
          store.recordOutcome(
            'comp-1',
            { success: true, qualityScore: 50 },
            {
              create: create as never,
            },
          ),
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toBe(message);
        expect(await fileNames(dir)).toEqual([]);
      },
    );

    it('records an unknown quality, the cost and the duration of each run', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('measured'));
      await store.recordOutcome('measured', {
        success: true,
        qualityScore: null,
        costUsd: 0.012,
        durationSeconds: 41,
      });
      const stored = await store.recordOutcome('measured', {
        success: false,
        qualityScore: 30,
        costUsd: null,
      });
      expect(stored.toJSON()).toMatchObject({
        usageCount: 2,
        qualityScoreCount: 1,
        avgQualityScore: 30,
        costCount: 1,
        totalCostUsd: 0.012,
        durationCount: 1,
        totalDurationSeconds: 41,
      });
      expect((await store.load('measured'))?.toJSON()).toEqual(stored.toJSON());
    });

    it('fails with BATON_NOT_FOUND for an unknown id and creates no file', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      const error = await caught(store.recordOutcome('ghost', { success: true, qualityScore: 50 }));
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.NOT_FOUND);
      expect((error as Error).message).toContain('Composition "ghost" not found');
      expect(await fileNames(dir)).toEqual([]);
    });

    it('creates no store directory for an unknown id', async () => {
      const store = new ConfigurationStore({ storageDir: path.join(dir, 'absent') });
      const error = await caught(store.recordOutcome('ghost', { success: true, qualityScore: 50 }));
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.NOT_FOUND);
      expect(await store.delete('ghost')).toBe(false);
      expect(await readdir(dir)).toEqual([]);
    });

    it('fails with BATON_STORAGE on a corrupt file and leaves it untouched', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await writeFile(path.join(dir, 'broken.json'), '{"id":"broken"}');
      const error = await caught(
        store.recordOutcome('broken', { success: true, qualityScore: 50 }),
      );
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.STORAGE);
      expect((error as Error).message).toContain('taskPattern');
      expect(await readFile(path.join(dir, 'broken.json'), 'utf8')).toBe('{"id":"broken"}');
      expect(await fileNames(dir)).toEqual(['broken.json']);
    });

    it('does nothing when the signal is already aborted', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('comp-1'));
      const signal = AbortSignal.abort();
      await expect(
        store.recordOutcome('comp-1', { success: true, qualityScore: 50 }, { signal }),
      ).rejects.toThrow(AbortedError);
      await expect(store.save(composition('comp-2'), { signal })).rejects.toThrow(AbortedError);
      await expect(store.search({}, { signal })).rejects.toThrow(AbortedError);
      await expect(store.listAll({ signal })).rejects.toThrow(AbortedError);
      await expect(store.load('comp-1', { signal })).rejects.toThrow(AbortedError);
      await expect(store.delete('comp-1', { signal })).rejects.toThrow(AbortedError);
      expect((await store.load('comp-1'))?.usageCount).toBe(0);
      expect(await fileNames(dir)).toEqual(['comp-1.json']);
    });

    it('waits for the lock only as long as lock.timeoutSeconds allows', async () => {
      const store = new ConfigurationStore({ storageDir: dir, lock: { timeoutSeconds: 0.05 } });
      await store.save(composition('held'));
      await writeFile(
        path.join(dir, 'held.json.lock'),
        JSON.stringify({
          pid: process.ppid,
          hostname: (await import('node:os')).hostname(),
          token: 'other',
        }),
      );
      const error = await caught(store.recordOutcome('held', { success: true, qualityScore: 50 }));
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.TIMEOUT);
      expect((await store.load('held'))?.usageCount).toBe(0);
    });
  });

  describe('recordQuality', () => {
    it('moves the average quality towards a later score without counting a use', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(composition('rated'));
      await store.recordOutcome('rated', { success: true, qualityScore: null, costUsd: 0.01 });
      const first = await store.recordQuality('rated', { qualityScore: 80, previousScore: null });
      expect(first.toJSON()).toMatchObject({
        usageCount: 1,
        successCount: 1,
        qualityScoreCount: 1,
        avgQualityScore: 80,
        costCount: 1,
      });
      // Rated again: the run is re-scored, still one use with one known score.
      const second = await store.recordQuality('rated', { qualityScore: 40, previousScore: 80 });
      expect(second.avgQualityScore).toBeCloseTo(0.7 * 40 + 0.3 * 80, 10);
      expect(second.toJSON()).toMatchObject({ usageCount: 1, qualityScoreCount: 1 });
      const error = await caught(
        store.recordQuality('rated', { qualityScore: 50, previousScore: null }),
      );
      expect((error as Error).message).toBe(
        'previousScore: is null, but every one of the 1 recorded uses has a known score',
      );
      expect((await store.load('rated'))?.toJSON()).toEqual(second.toJSON());
    });

    it('loses no score when called concurrently', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      await store.save(used('busy', []));
      for (let run = 0; run < 12; run += 1) {
        await store.recordOutcome('busy', { success: true, qualityScore: null });
      }
      await Promise.all(
        Array.from({ length: 12 }, () =>
          store.recordQuality('busy', { qualityScore: 60, previousScore: null }),
        ),
      );
      expect((await store.load('busy'))?.toJSON()).toMatchObject({
        usageCount: 12,
        qualityScoreCount: 12,
        avgQualityScore: 60,
      });
    });

    it.each([
      [{ qualityScore: null, previousScore: null }, 'qualityScore: must be a number from 0 to 100'],
      [
        { qualityScore: 101, previousScore: null },
        'qualityScore: must be between 0 and 100 (got 101)',
      ],
      [{ qualityScore: 50 }, 'previousScore: must be the score recorded before, or null'],
      [
        { qualityScore: 50, previousScore: 'x' },
        'previousScore: must be a number from 0 to 100, or null',
      ],
      [
        { qualityScore: 50, previousScore: 20 },
        'previousScore: is a score, but no use has a known score',
      ],
    ])(
      'rejects the revision %j naming the field and changes nothing',
      async (revision, message) => {
        const store = new ConfigurationStore({ storageDir: dir });
        await store.save(composition('comp-1'));
        const before = await readFile(path.join(dir, 'comp-1.json'), 'utf8');
        const error = await caught(store.recordQuality('comp-1', revision as never));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toBe(message);
        expect(await readFile(path.join(dir, 'comp-1.json'), 'utf8')).toBe(before);
      },
    );

    it('fails with BATON_NOT_FOUND for an unknown id', async () => {
      const store = new ConfigurationStore({ storageDir: dir });
      const error = await caught(
        store.recordQuality('ghost', { qualityScore: 50, previousScore: null }),
      );
      expect(BatonError.isInstance(error) && error.code).toBe(BatonErrorCode.NOT_FOUND);
    });
  });

  describe('pattern library', () => {
    function setup() {
      const patternLibrary = new PatternLibrary({ storageDir: path.join(dir, 'patterns') });
      const store = new ConfigurationStore({
        storageDir: path.join(dir, 'compositions'),
        patternLibrary,
        clock: steppingClock('2026-06-01T00:00:00.000Z'),
      });
      return { store, patternLibrary };
    }

    it('contributes an agent_composition pattern once usageCount >= 3 and successRate >= 0.7', async () => {
      const { store, patternLibrary } = setup();
      const agents = [
        makeAgent({ id: 'security_auditor', templateId: 'security_auditor' }),
        makeAgent({ id: 'code_reviewer__cheap', tier: 'CHEAP' }),
        makeAgent(),
      ];
      await store.save(composition('comp-1', { agents, qualityGates: { min_coverage: 80 } }));
      await store.recordOutcome('comp-1', { success: true, qualityScore: 90 });
      await store.recordOutcome('comp-1', { success: true, qualityScore: 80 });
      expect(await patternLibrary.list()).toEqual([]); // 2 uses: not yet
      await store.recordOutcome('comp-1', { success: false, qualityScore: 30 }); // 3 uses, 2/3 < 0.7
      expect(await patternLibrary.list()).toEqual([]);
      const config = await store.recordOutcome('comp-1', { success: true, qualityScore: 95 }); // 3/4
      expect(await patternLibrary.list({ type: 'agent_composition' })).toEqual([
        {
          id: 'composition_comp-1',
          type: 'agent_composition',
          name: 'release_prep',
          confidence: 0.75,
          context: {
            compositionId: 'comp-1',
            taskPattern: 'release_prep',
            strategy: 'parallel',
            agentTemplateIds: ['security_auditor', 'code_reviewer'],
            agents: [
              { id: 'security_auditor', templateId: 'security_auditor', tier: 'CAPABLE' },
              { id: 'code_reviewer__cheap', templateId: 'code_reviewer', tier: 'CHEAP' },
              { id: 'code_reviewer', templateId: 'code_reviewer', tier: 'CAPABLE' },
            ],
            qualityGates: { min_coverage: 80 },
            usageCount: 4,
            successCount: 3,
            failureCount: 1,
            successRate: 0.75,
            avgQualityScore: config.avgQualityScore,
            lastUsed: '2026-06-01T00:00:00.000Z',
          },
        },
      ]);
    });

    it('keeps updating the pattern on later outcomes, also below the thresholds', async () => {
      const { store, patternLibrary } = setup();
      await store.save(composition('comp-1'));
      for (let index = 0; index < 3; index += 1) {
        await store.recordOutcome('comp-1', { success: true, qualityScore: 90 });
      }
      expect((await patternLibrary.get('composition_comp-1'))?.confidence).toBe(1);
      await store.recordOutcome('comp-1', { success: false, qualityScore: 20 });
      expect(await patternLibrary.get('composition_comp-1')).toMatchObject({
        confidence: 0.75,
        context: { usageCount: 4, failureCount: 1 },
      });
      await store.recordOutcome('comp-1', { success: false, qualityScore: 20 });
      expect(await patternLibrary.get('composition_comp-1')).toMatchObject({
        confidence: 0.6,
        context: { usageCount: 5, successRate: 0.6 },
      });
    });

    it('contributes when a proven composition is saved', async () => {
      const { store, patternLibrary } = setup();
      await store.save(
        used('imported', [
          [true, 90],
          [true, 90],
          [true, 90],
        ]),
      );
      expect((await patternLibrary.get('composition_imported'))?.confidence).toBe(1);
      await store.save(
        used('unproven', [
          [true, 90],
          [false, 90],
          [false, 90],
        ]),
      );
      expect(await patternLibrary.get('composition_unproven')).toBeUndefined();
    });

    it('still records the outcome when the pattern cannot be written, and warns', async () => {
      const logger = recordingLogger();
      const blocked = path.join(dir, 'patterns-is-a-file');
      await writeFile(blocked, '');
      const store = new ConfigurationStore({
        storageDir: path.join(dir, 'compositions'),
        patternLibrary: new PatternLibrary({ storageDir: blocked }),
        logger,
      });
      await store.save(
        used('comp-1', [
          [true, 90],
          [true, 90],
        ]),
      );
      const config = await store.recordOutcome('comp-1', { success: true, qualityScore: 90 });
      expect(config.usageCount).toBe(3);
      expect((await store.load('comp-1'))?.usageCount).toBe(3);
      expect(logger.warnings.map((warning) => warning.message)).toContain(
        'Could not update the pattern of a composition',
      );
    });
  });
});
