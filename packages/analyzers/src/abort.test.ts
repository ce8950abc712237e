import { AbortedError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { analyzeCoverage } from './coverage.js';
import { analyzeDocumentation } from './documentation.js';
import { analyzeProject } from './project-analysis.js';
import { listProjectFiles } from './project-files.js';
import { createProjectIndex } from './project-index.js';
import { analyzeQuality } from './quality.js';
import { scanSecurity } from './security.js';
import { fixturePath } from './test-helpers.js';

describe('cancellation', () => {
  const root = fixturePath('quality-app');
  const aborted = (): AbortSignal => AbortSignal.abort();

  it('every analysis rejects with AbortedError on an aborted signal', async () => {
    const index = await createProjectIndex({ root });
    await expect(listProjectFiles(root, { signal: aborted() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(createProjectIndex({ root, signal: aborted() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(analyzeCoverage({ root, signal: aborted() })).rejects.toBeInstanceOf(AbortedError);
    await expect(scanSecurity({ root, index, signal: aborted() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(analyzeQuality({ root, index, signal: aborted() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(analyzeDocumentation({ root, index, signal: aborted() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(analyzeProject({ root, signal: aborted() })).rejects.toBeInstanceOf(AbortedError);
  });

  it('passes the reason of the signal through', async () => {
    const reason = new Error('user cancelled');
    await expect(scanSecurity({ root, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
