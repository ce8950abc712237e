import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AgentConfiguration, ConfigurationStore, PatternLibrary } from '../src/index.js';
import { fileNames, makeAgent, temporaryDirectory } from './fixtures.js';
import { outcomeOf } from './outcomes.js';

const WRITERS = 8;
const OUTCOMES_EACH = 25;
const here = path.dirname(fileURLToPath(import.meta.url));

let dir: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];
beforeEach(async () => ({ dir, cleanup } = await temporaryDirectory()));
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  await cleanup();
});

/**
 * Starts one writer: a real Node process running the TypeScript sources through Node's type
 * stripping (no build needed), with a resolve hook mapping `./x.js` imports to `./x.ts`.
 */
function startWriter(worker: number, script: string, args: string[]) {
  const child = fork(path.join(here, script), args, {
    execArgv: [
      ...(process.features.typescript ? [] : ['--experimental-strip-types']),
      '--no-warnings',
      '--import',
      pathToFileURL(path.join(here, 'resolve-ts-hooks.mjs')).href,
    ],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) =>
      reject(new Error(`writer ${worker} exited early (${code}): ${stderr}`)),
    );
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stderr }));
  });
  return { child, ready, exited };
}

function expectNodeWithHooks(): void {
  expect(
    'registerHooks' in nodeModule,
    'the writers need Node >= 22.15 (module.registerHooks)',
  ).toBe(true);
}

it(`loses no update when ${WRITERS} processes record ${OUTCOMES_EACH} outcomes each on one composition`, async () => {
  expectNodeWithHooks();
  const storageDir = path.join(dir, 'compositions');
  const patternsDir = path.join(dir, 'patterns');
  const store = new ConfigurationStore({
    storageDir,
    patternLibrary: new PatternLibrary({ storageDir: patternsDir }),
  });
  await store.save(
    new AgentConfiguration({
      id: 'shared',
      taskPattern: 'release_prep',
      agents: [makeAgent()],
      strategy: 'parallel',
    }),
  );

  const writers = Array.from({ length: WRITERS }, (_, worker) =>
    startWriter(worker, 'record-outcomes.child.ts', [
      storageDir,
      patternsDir,
      'shared',
      String(worker),
      String(OUTCOMES_EACH),
    ]),
  );
  await Promise.all(writers.map((writer) => writer.ready));
  for (const writer of writers) writer.child.send('go');
  const results = await Promise.all(writers.map((writer) => writer.exited));
  for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });

  const outcomes = Array.from({ length: WRITERS }, (_, worker) =>
    Array.from({ length: OUTCOMES_EACH }, (_, index) => outcomeOf(worker, index)),
  ).flat();
  const successes = outcomes.filter((outcome) => outcome.success).length;
  const scores = outcomes.map((outcome) => outcome.qualityScore);

  const final = await store.load('shared');
  expect(final?.usageCount).toBe(WRITERS * OUTCOMES_EACH);
  expect(final?.successCount).toBe(successes);
  expect(final?.failureCount).toBe(WRITERS * OUTCOMES_EACH - successes);
  expect(final?.successRate).toBe(successes / (WRITERS * OUTCOMES_EACH));
  expect(final?.avgQualityScore).toBeGreaterThanOrEqual(Math.min(...scores));
  expect(final?.avgQualityScore).toBeLessThanOrEqual(Math.max(...scores));
  expect(final?.lastUsed).toBeInstanceOf(Date);

  // Nothing left behind: no temp files, no lock files.
  expect(await fileNames(storageDir)).toEqual(['shared.json']);
  expect(await fileNames(patternsDir)).toEqual(['composition_shared.json']);

  // The pattern was kept up to date by whichever process recorded the last outcome.
  const pattern = JSON.parse(
    await readFile(path.join(patternsDir, 'composition_shared.json'), 'utf8'),
  );
  expect(pattern).toMatchObject({
    type: 'agent_composition',
    confidence: final?.successRate,
    context: { usageCount: WRITERS * OUTCOMES_EACH, successCount: successes },
  });
}, 60_000);

const ROUNDS = 10;

/** The next message of a writer; rejects when the writer exits first (its error is in `exited`). */
function nextReply(writer: ReturnType<typeof startWriter>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`writer exited (${code})`));
    writer.child.once('exit', onExit);
    writer.child.once('message', (message) => {
      writer.child.off('exit', onExit);
      resolve(message);
    });
  });
}

it(`records all ${WRITERS * ROUNDS} first outcomes when ${WRITERS} processes create the same new composition at once, ${ROUNDS} rounds`, async () => {
  expectNodeWithHooks();
  const storageDir = path.join(dir, 'compositions');
  const patternsDir = path.join(dir, 'patterns');
  const writers = Array.from({ length: WRITERS }, (_, worker) =>
    startWriter(worker, 'record-first-outcome.child.ts', [storageDir, patternsDir, String(worker)]),
  );
  await Promise.all(writers.map((writer) => writer.ready));

  const store = new ConfigurationStore({ storageDir });
  let recorded = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const id = `new-composition-${round}`;
    const replies = writers.map((writer) => nextReply(writer));
    for (const writer of writers) writer.child.send({ id, round });
    await Promise.all(replies).catch(async (error) => {
      const stderr = (await Promise.all(writers.map((writer) => writer.exited)))
        .map((result) => result.stderr)
        .join('\n');
      throw new Error(`${String(error)}: ${stderr}`);
    });
    const final = await store.load(id);
    const successes = Array.from({ length: WRITERS }, (_, worker) =>
      outcomeOf(worker, round),
    ).filter((outcome) => outcome.success).length;
    expect(final?.toJSON(), `round ${round}`).toMatchObject({
      usageCount: WRITERS,
      successCount: successes,
      failureCount: WRITERS - successes,
    });
    recorded += final?.usageCount ?? 0;
  }
  for (const writer of writers) writer.child.send('stop');
  const results = await Promise.all(writers.map((writer) => writer.exited));
  for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
  expect(recorded).toBe(WRITERS * ROUNDS);
  expect(await fileNames(storageDir)).toEqual(
    Array.from({ length: ROUNDS }, (_, round) => `new-composition-${round}.json`).sort(),
  );
}, 60_000);
