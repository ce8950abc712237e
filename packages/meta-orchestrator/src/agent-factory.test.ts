import { agentSchema, ValidationError } from '@baton/core';
import { getTemplate } from '@baton/templates';
import { describe, expect, it } from 'vitest';
import { retaskAgent, spawnAgent } from './agent-factory.js';

const writer = getTemplate('documentation_writer')!;

describe('spawnAgent', () => {
  it('spawns a template at a tier with task-specific instructions', () => {
    const agent = spawnAgent(writer, {
      tier: 'CAPABLE',
      task: '  Update the API docs  ',
      role: 'expert',
    });
    expect(agent).toMatchObject({
      id: 'documentation_writer__expert',
      templateId: 'documentation_writer',
      role: 'Documentation Writer (expert)',
      tier: 'CAPABLE',
      strategyRole: 'expert',
      capabilities: ['generate_docs', 'check_completeness', 'update_examples'],
      qualityGates: { min_doc_coverage: 100 },
      resourceRequirements: writer.resourceRequirements,
    });
    expect(agent.instructions.startsWith(writer.defaultInstructions)).toBe(true);
    expect(agent.instructions).toContain('## Task\nUpdate the API docs\n');
    expect(agent.instructions).toContain('## Your part\nYou are the expert of a teaching pair');
    expect(agent.instructions).toContain('## Your own quality gates\nmin_doc_coverage = 100');
    // A core agent keeps the part it plays (core's agentSchema has `strategyRole`).
    expect(agentSchema.parse(agent)).toEqual(agent);
  });

  it('names agents by role: template id for steps, suffixes for the rest', () => {
    const id = (
      role: Parameters<typeof spawnAgent>[1]['role'],
      tier: 'CHEAP' | 'PREMIUM' = 'CHEAP',
    ) => spawnAgent(writer, { tier, task: 't', ...(role === undefined ? {} : { role }) }).id;
    expect(id(undefined)).toBe('documentation_writer');
    expect(id('worker')).toBe('documentation_writer');
    expect(id('junior')).toBe('documentation_writer__junior');
    expect(id('specialist', 'PREMIUM')).toBe('documentation_writer__premium_specialist');
    expect(spawnAgent(writer, { tier: 'CHEAP', task: 't', id: 'mine' }).id).toBe('mine');
  });

  it('returns copies the caller may change without touching the frozen template', () => {
    const agent = spawnAgent(writer, { tier: 'CHEAP', task: 't' });
    agent.tools.push('x');
    expect(writer.tools).not.toContain('x');
  });

  it('uses custom role instructions when given', () => {
    const agent = spawnAgent(writer, {
      tier: 'CHEAP',
      task: 't',
      roleInstructions: 'Only fix typos.',
    });
    expect(agent.instructions).toContain('## Your part\nOnly fix typos.');
  });

  it('rejects bad input, naming the field', () => {
    expect(() => spawnAgent(writer, { tier: 'ULTRA' as never, task: 't' })).toThrow(/^tier: /);
    expect(() => spawnAgent(writer, { tier: 'CHEAP', task: ' ' })).toThrow(
      'task: must be a non-empty string',
    );
    expect(() => spawnAgent(writer, { tier: 'CHEAP', task: 't', role: 'boss' as never })).toThrow(
      /^role: /,
    );
    expect(() => spawnAgent({ ...writer, role: '' }, { tier: 'CHEAP', task: 't' })).toThrow(
      'template.role: must be a non-empty string',
    );
    expect(() => spawnAgent(writer, { tier: 'CHEAP', task: 't', id: '' })).toThrow(
      'agent.id: must be a non-empty string',
    );
    expect(() => spawnAgent(writer, undefined as never)).toThrow(ValidationError);
    expect(() => spawnAgent(writer, undefined as never)).toThrow(
      'options: must be an object with tier and task',
    );
  });
});

describe('retaskAgent', () => {
  const gates = { min_doc_coverage: 90 };
  const original = spawnAgent(writer, {
    tier: 'CHEAP',
    task: 'Update the API docs',
    role: 'junior',
    qualityGates: gates,
  });

  it('replaces only the ## Task section of a spawned agent', () => {
    const retasked = retaskAgent(original, '  Document the CLI flags  ');
    const expected = spawnAgent(writer, {
      tier: 'CHEAP',
      task: 'Document the CLI flags',
      role: 'junior',
      qualityGates: gates,
    });
    expect(retasked.instructions).toBe(expected.instructions);
    expect(retasked.instructions).not.toContain('Update the API docs');
    expect(retasked.instructions).toContain('## Your part\nYou are the junior of a teaching pair');
    expect({ ...retasked, instructions: '' }).toEqual({ ...original, instructions: '' });
    expect(retasked.strategyRole).toBe('junior');
  });

  it('replaces a ## Task section that ends the instructions, and a task of several lines', () => {
    const agent = { ...original, instructions: 'Be brief.\n\n## Task\nold task\nline two' };
    expect(retaskAgent(agent, 'new task\nsecond line').instructions).toBe(
      'Be brief.\n\n## Task\nnew task\nsecond line',
    );
  });

  it('takes a task containing $ patterns literally', () => {
    expect(retaskAgent(original, "cost $& and $1 and $'").instructions).toContain(
      "## Task\ncost $& and $1 and $'\n\n## Your part",
    );
  });

  it('appends a ## Task section when the instructions have none', () => {
    const agent = { ...original, instructions: 'Write docs.' };
    expect(retaskAgent(agent, 'Document the CLI').instructions).toBe(
      'Write docs.\n\n## Task\nDocument the CLI',
    );
  });

  it('returns a new agent and leaves the given one unchanged', () => {
    const before = structuredClone(original);
    const retasked = retaskAgent(original, 'Other task');
    expect(retasked).not.toBe(original);
    expect(original).toEqual(before);
  });

  it('rejects an empty task, naming the field', () => {
    expect(() => retaskAgent(original, '  ')).toThrow('task: must be a non-empty string');
    expect(() => retaskAgent(original, 42 as never)).toThrow('task: must be a non-empty string');
  });

  it('rejects an agent without instructions, naming the field', () => {
    expect(() => retaskAgent(null as never, 'next')).toThrow(ValidationError);
    expect(() => retaskAgent({ id: 'x' } as never, 'next')).toThrow(
      'agent.instructions: must be a string',
    );
  });
});
