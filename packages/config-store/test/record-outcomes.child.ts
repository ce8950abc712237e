// One writer of the multi-process test: records `count` outcomes of one composition through its
// own ConfigurationStore, starting only when the parent says "go" so that all writers overlap.
import { ConfigurationStore, PatternLibrary } from '../src/index.js';
import { outcomeOf } from './outcomes.js';

const [storageDir, patternsDir, compositionId, workerText, countText] = process.argv.slice(2);
const worker = Number(workerText);
const count = Number(countText);

const store = new ConfigurationStore({
  storageDir,
  patternLibrary: new PatternLibrary({ storageDir: patternsDir }),
  lock: { timeoutSeconds: 20 },
});

process.once('message', async () => {
  for (let index = 0; index < count; index += 1) {
    await store.recordOutcome(compositionId!, outcomeOf(worker, index));
  }
  process.send?.({ done: count }, () => process.disconnect());
});
process.send?.({ ready: true });
