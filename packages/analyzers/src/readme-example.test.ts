import { describe, expect, it } from 'vitest';
import { readiness } from '../examples/readiness.js';
import { tempProject } from './test-helpers.js';

describe('README example (examples/readiness.ts)', () => {
  it('reports every gate figure for a fixture project', async () => {
    // A copy outside this repository, so that the repository's own linter set-up does not apply.
    const project = await tempProject('coverage-js');
    const lines = await readiness(project.root).finally(() => project.cleanup());
    expect(lines).toEqual([
      'coverage: 41.17%',
      'critical security issues: 0 (Dependency advisories not checked: dependency audit not requested (use runAudit or auditFile))',
      'quality: 10/10',
      'documented public API: Documentation coverage unknown: no public API found: no package.json entry points (exports, main, module, types) and no public Python definitions',
    ]);
  });
});
