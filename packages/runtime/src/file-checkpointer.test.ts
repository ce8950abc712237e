import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCheckpointer } from '@baton/checkpointer-conformance';
import { FileCheckpointer } from './file-checkpointer.js';

for (const fsync of [true, false]) {
  describeCheckpointer(`files (fsync ${fsync ? 'on' : 'off'})`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-checkpointer-'));
    return {
      checkpointer: new FileCheckpointer({ dir: join(root, '.baton'), fsync }),
      cleanup: () => rmSync(root, { recursive: true, force: true }),
    };
  });
}
