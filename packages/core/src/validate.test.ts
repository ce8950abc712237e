import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { agentTemplateSchema } from './schemas.js';
import { parseWith, zodIssues } from './validate.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('parseWith', () => {
  it('says a missing field is required, and lists the values of a missing enum', () => {
    expect(
      messageOf(() => parseWith(agentTemplateSchema, { id: 'x' }, { label: 'template' })),
    ).toBe(
      'template.role: is required; template.capabilities: is required; ' +
        'template.tierPreference: is required (one of CHEAP, CAPABLE, PREMIUM); ' +
        'template.defaultInstructions: is required',
    );
  });

  it('keeps the type error for a field of the wrong type', () => {
    expect(messageOf(() => parseWith(z.object({ n: z.number() }), { n: 'one' }))).toBe(
      'n: Invalid input: expected number, received string',
    );
    expect(messageOf(() => parseWith(z.object({ n: z.number() }), { n: null }))).toBe(
      'n: Invalid input: expected number, received null',
    );
  });

  it('keeps a custom message for a present but invalid value', () => {
    const schema = z.object({ name: z.string().min(1, 'must be a non-empty string') });
    expect(messageOf(() => parseWith(schema, { name: '' }))).toBe(
      'name: must be a non-empty string',
    );
  });
});

describe('zodIssues', () => {
  it('keeps zod messages for errors parsed without reportInput', () => {
    const result = z.object({ n: z.number() }).safeParse({});
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(zodIssues(result.error, 'answer')).toEqual([
      { field: 'answer.n', message: 'Invalid input: expected number, received undefined' },
    ]);
  });
});
