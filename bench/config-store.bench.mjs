// Costs of @baton/config-store on this machine's file system (build it first:
// pnpm turbo run build --filter=@baton/config-store...).
//
// 1. recordOutcome in one process, one after another: time per outcome (lock, read, atomic write
//    with fsync of file and directory, release), without and with a file-backed pattern library
//    (which adds one more atomic write once the composition qualifies).
// 2. search over 1,000 stored compositions: every call reads and validates every file.
// 3. Contention: 8 processes record 25 outcomes each on the same composition at the same time;
//    wall time from "go" to the last exit, and the final usageCount (must be 200).
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentConfiguration, ConfigurationStore, PatternLibrary } from '@baton/config-store';

const agent = {
  id: 'code_reviewer',
  templateId: 'code_reviewer',
  role: 'Code Reviewer',
  tier: 'CAPABLE',
  instructions: 'Review the change for defects.',
  capabilities: ['code_review'],
  tools: ['read_file'],
  qualityGates: {},
  resourceRequirements: { minTokens: 1000, maxTokens: 10000, timeoutSeconds: 300, memoryMb: 512 },
};
const composition = (id, taskPattern = 'release_prep') =>
  new AgentConfiguration({ id, taskPattern, agents: [agent], strategy: 'parallel' });

if (process.argv[2] === 'child') {
  const [, , , storageDir, patternsDir, count] = process.argv;
  const store = new ConfigurationStore({
    storageDir,
    patternLibrary: new PatternLibrary({ storageDir: patternsDir }),
    lock: { timeoutSeconds: 60 },
  });
  process.once('message', async () => {
    for (let index = 0; index < Number(count); index += 1) {
      await store.recordOutcome('shared', { success: index % 4 !== 0, qualityScore: 80 });
    }
    process.send({ done: true }, () => process.disconnect());
  });
  process.send({ ready: true });
} else {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-bench-config-store-'));
  try {
    await sequential(root);
    await search(root);
    await contention(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function sequential(root) {
  for (const withPatterns of [false, true]) {
    const name = withPatterns ? 'with-patterns' : 'plain';
    const store = new ConfigurationStore({
      storageDir: path.join(root, name),
      ...(withPatterns
        ? {
            patternLibrary: new PatternLibrary({ storageDir: path.join(root, `${name}-patterns`) }),
          }
        : {}),
    });
    await store.save(composition('solo'));
    const times = [];
    for (let index = 0; index < 200; index += 1) {
      const started = performance.now();
      await store.recordOutcome('solo', { success: true, qualityScore: 90 });
      times.push(performance.now() - started);
    }
    const total = times.reduce((sum, time) => sum + time, 0);
    console.log(
      `recordOutcome, 1 process, ${withPatterns ? 'with' : 'without'} pattern library: ` +
        `median ${median(times).toFixed(2)} ms, p90 ${[...times].sort((a, b) => a - b)[179].toFixed(2)} ms, ` +
        `${Math.round((200 / total) * 1000)} outcomes/s`,
    );
  }
}

async function search(root) {
  const store = new ConfigurationStore({ storageDir: path.join(root, 'many') });
  for (let index = 0; index < 1000; index += 1) {
    const config = composition(`c${String(index).padStart(4, '0')}`, `task_${index % 10}`);
    config.recordOutcome(index % 3 !== 0, index % 101);
    await store.save(config);
  }
  const times = [];
  let found = 0;
  for (let run = 0; run < 7; run += 1) {
    const started = performance.now();
    found = (await store.search({ taskPattern: 'task_3', minSuccessRate: 0.5 })).length;
    times.push(performance.now() - started);
  }
  console.log(
    `search over 1,000 compositions: median ${median(times).toFixed(1)} ms per call (${found} results)`,
  );
}

async function contention(root) {
  const storageDir = path.join(root, 'contended');
  const patternsDir = path.join(root, 'contended-patterns');
  const store = new ConfigurationStore({ storageDir });
  await store.save(composition('shared'));
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: 8 }, () =>
    fork(script, ['child', storageDir, patternsDir, '25'], { stdio: 'inherit' }),
  );
  await Promise.all(
    children.map((child) => new Promise((resolve) => child.once('message', resolve))),
  );
  const started = performance.now();
  const exits = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.send('go');
  const codes = await Promise.all(exits);
  const wall = performance.now() - started;
  const final = await store.load('shared');
  console.log(
    `contention, 8 processes x 25 outcomes: ${wall.toFixed(0)} ms wall, ` +
      `${(wall / 200).toFixed(2)} ms per outcome, final usageCount ${final?.usageCount} ` +
      `(expected 200), exit codes ${[...new Set(codes)].join(',')}`,
  );
}
