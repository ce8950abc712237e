// A relative import: the suite depends on this package, so this package cannot depend on it.
import { describeCheckpointer } from '../../../checkpointer-conformance/src/index.js';
import { MemoryCheckpointer } from './memory-checkpointer.js';

describeCheckpointer('memory', async () => ({ checkpointer: new MemoryCheckpointer() }));
describeCheckpointer('memory without events', async () => ({
  checkpointer: new MemoryCheckpointer({ keepEvents: false }),
}));
