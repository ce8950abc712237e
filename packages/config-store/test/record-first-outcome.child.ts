// One writer of the "first outcome of a new composition" test: for every round the parent names a
// composition id that does not exist yet, and every writer records its outcome at the same moment
// with `create`, so that the create and the update race across processes.
import { AgentConfiguration, ConfigurationStore, PatternLibrary } from '../src/index.js';
import { makeAgent } from './fixtures.js';
import { outcomeOf } from './outcomes.js';

const [storageDir, patternsDir, workerText] = process.argv.slice(2);
const worker = Number(workerText);

const store = new ConfigurationStore({
  storageDir,
  patternLibrary: new PatternLibrary({ storageDir: patternsDir }),
  lock: { timeoutSeconds: 20 },
});

process.on('message', async (message: { id: string; round: number } | 'stop') => {
  if (message === 'stop') {
    process.disconnect();
    return;
  }
  const { id, round } = message;
  await store.recordOutcome(id, outcomeOf(worker, round), {
    create: () =>
      new AgentConfiguration({
        id,
        taskPattern: 'release_prep',
        agents: [makeAgent()],
        strategy: 'parallel',
      }),
  });
  process.send?.({ recorded: id });
});
process.send?.({ ready: true });
