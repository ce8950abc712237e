import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  getTemplate,
  getTemplatesByCapability,
  getTemplatesByTier,
  loadTemplatesFromFile,
  TemplateRegistry,
} from '@baton/templates';

// Look up the built-in templates (unknown ids give undefined, unknown capabilities []).
assert.equal(getTemplate('test_coverage_analyzer')?.role, 'Test Coverage Expert');
assert.equal(getTemplate('no_such_template'), undefined);
assert.deepEqual(
  getTemplatesByCapability('vulnerability_scan').map((template) => template.id),
  ['security_auditor'],
);
assert.deepEqual(
  getTemplatesByTier('CHEAP').map((template) => template.id),
  ['documentation_writer'],
);

// An isolated registry with a custom template: validated, defaults applied, frozen.
const registry = new TemplateRegistry();
const sqlReviewer = registry.register({
  id: 'sql_reviewer',
  role: 'SQL Reviewer',
  capabilities: ['query_review'],
  tierPreference: 'CHEAP',
  defaultInstructions: 'Review SQL queries for correctness and performance.',
});
assert.deepEqual(sqlReviewer.resourceRequirements, {
  minTokens: 1000,
  maxTokens: 10000,
  timeoutSeconds: 300,
  memoryMb: 512,
});
assert.ok(Object.isFrozen(sqlReviewer));

// Bad input is a ValidationError naming the field.
assert.throws(
  () =>
    registry.register({
      ...sqlReviewer,
      id: 'broken',
      resourceRequirements: { minTokens: 2000, maxTokens: 100 },
    }),
  { message: 'resourceRequirements.maxTokens: must be >= minTokens (2000)' },
);

// Templates from a JSON or YAML file (snake_case keys welcome), registered all-or-none.
const path = fileURLToPath(new URL('./templates.yaml', import.meta.url));
const fromFile = await loadTemplatesFromFile(path, { registry });
assert.deepEqual(
  fromFile.map((template) => template.id),
  ['data_pipeline_expert'],
);
assert.equal(registry.get('data_pipeline_expert')?.resourceRequirements.timeoutSeconds, 900);
