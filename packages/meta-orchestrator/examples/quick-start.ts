import assert from 'node:assert/strict';
import { executionPlanSchema } from '@baton/core';
import {
  MetaOrchestrator,
  retaskAgent,
  spawnAgent,
  teamForStrategy,
} from '@baton/meta-orchestrator';
import { getTemplate } from '@baton/templates';

const orchestrator = new MetaOrchestrator();

// Analysis only: deterministic keyword heuristics.
const requirements = orchestrator.analyzeTask('boost test coverage to 90%', {
  qualityGates: { min_coverage: 90 },
});
assert.equal(requirements.complexity, 'moderate');
assert.equal(requirements.domain, 'testing');
assert.deepEqual(requirements.qualityGates, { min_coverage: 90 });

// A documentation task becomes a teaching pair: a CHEAP junior and a CAPABLE expert.
const plan = orchestrator.analyzeAndCompose('update API documentation');
assert.equal(plan.strategy, 'teaching');
assert.equal(plan.strategyRule, 'documentation');
assert.deepEqual(
  plan.agents.map((agent) => `${agent.id} ${agent.tier}`),
  ['documentation_writer__junior CHEAP', 'documentation_writer__expert CAPABLE'],
);
assert.equal(plan.estimatedCost, 4); // CHEAP 1 + CAPABLE 3
assert.equal(plan.estimatedDuration, 450); // floor(1.5 x 300 s)
assert.equal(plan.estimatedCostUsd, 0.164); // haiku + sonnet, 1000 tokens in, 8000 out each
assert.ok(executionPlanSchema.safeParse(plan).success);

// Why this plan? (also what `baton plan` prints)
const explanation = MetaOrchestrator.explain(plan);
assert.match(explanation, /Strategy: teaching \(rule: documentation\)/);

// Price the tiers with your own models (here: what your hosting provider charges).
const local = new MetaOrchestrator({
  tierModels: { CHEAP: 'llama-3.1-8b', CAPABLE: 'llama-3.1-70b', PREMIUM: 'llama-3.1-70b' },
  prices: {
    'llama-3.1-8b': { inputPerMillion: 0.05, outputPerMillion: 0.08 },
    'llama-3.1-70b': { inputPerMillion: 0.6, outputPerMillion: 0.8 },
  },
});
assert.equal(local.analyzeAndCompose('update API documentation').estimatedCostUsd, 0.00769);

// A debate's synthesizer goes to the strategy's `synthesizer` option.
const debate = orchestrator.analyzeAndCompose('improve maintainability', {
  capabilities: ['code_review', 'vulnerability_scan'],
});
const { agents, synthesizer } = teamForStrategy(debate);
assert.deepEqual(
  agents.map((agent) => agent.id),
  ['code_reviewer', 'security_auditor'],
);
assert.equal(synthesizer?.id, 'code_reviewer__synthesizer');

// The agent factory on its own.
const reviewer = spawnAgent(getTemplate('code_reviewer')!, {
  tier: 'PREMIUM',
  task: 'Review the payment module',
  role: 'reviewer',
});
assert.equal(reviewer.id, 'code_reviewer__reviewer');
assert.match(reviewer.instructions, /## Task\nReview the payment module/);

// The same agent for the next task (e.g. a stored team reused): only its `## Task` changes.
const next = retaskAgent(reviewer, 'Review the billing module');
assert.match(next.instructions, /## Task\nReview the billing module\n\n## Your part/);
