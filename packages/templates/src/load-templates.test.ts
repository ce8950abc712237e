import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatonError, ValidationError } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplatesFromFile } from './load-templates.js';
import { TemplateRegistry } from './template-registry.js';

let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'baton-templates-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<BatonError> {
  try {
    await promise;
  } catch (error) {
    if (BatonError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const snakeYaml = `
- id: sql_reviewer
  role: SQL Reviewer
  capabilities: [query_review]
  tier_preference: CHEAP
  tools: [sql_linter]
  default_instructions: |
    Review SQL queries for correctness and performance.
  quality_gates:
    max_slow_queries: 0
  resource_requirements:
    min_tokens: 500
    max_tokens: 4000
    timeout_seconds: 0.5
    memory_mb: 256
- id: api_designer
  role: API Designer
  capabilities: [design_api]
  tierPreference: PREMIUM
  defaultInstructions: Design consistent HTTP APIs.
`;

describe('loadTemplatesFromFile', () => {
  it('reads a YAML list written in snake_case and camelCase', async () => {
    const templates = await loadTemplatesFromFile(await file('templates.yaml', snakeYaml));
    expect(templates.map((t) => t.id)).toEqual(['sql_reviewer', 'api_designer']);
    expect(templates[0]).toEqual({
      id: 'sql_reviewer',
      role: 'SQL Reviewer',
      capabilities: ['query_review'],
      tierPreference: 'CHEAP',
      tools: ['sql_linter'],
      defaultInstructions: 'Review SQL queries for correctness and performance.',
      qualityGates: { max_slow_queries: 0 },
      resourceRequirements: { minTokens: 500, maxTokens: 4000, timeoutSeconds: 0.5, memoryMb: 256 },
    });
    expect(templates[1]?.resourceRequirements.timeoutSeconds).toBe(300);
    expect(Object.isFrozen(templates[0]?.resourceRequirements)).toBe(true);
  });

  it('reads one JSON template', async () => {
    const path = await file(
      'one.json',
      JSON.stringify({
        id: 'json_one',
        role: 'JSON One',
        capabilities: ['one'],
        tier_preference: 'CAPABLE',
        default_instructions: 'Do it.',
      }),
    );
    const [template] = await loadTemplatesFromFile(path);
    expect(template?.tierPreference).toBe('CAPABLE');
  });

  it('reads { templates: [...] } and multi-document YAML', async () => {
    const wrapped = await file(
      'wrapped.yml',
      'templates:\n  - {id: a, role: A, capabilities: [x], tierPreference: CHEAP, defaultInstructions: go}\n',
    );
    expect((await loadTemplatesFromFile(wrapped)).map((t) => t.id)).toEqual(['a']);
    const documents = await file(
      'documents.yaml',
      'id: a\nrole: A\ncapabilities: [x]\ntierPreference: CHEAP\ndefaultInstructions: go\n---\nid: b\nrole: B\ncapabilities: [y]\ntierPreference: CHEAP\ndefaultInstructions: go\n',
    );
    expect((await loadTemplatesFromFile(documents)).map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('names the file and the field of every invalid entry', async () => {
    const path = await file(
      'templates.yaml',
      `- {id: ok, role: OK, capabilities: [x], tier_preference: CHEAP, default_instructions: go}
- {id: bad, role: '', capabilities: [x], tier_preference: CHEAP, default_instructions: go}
- {id: worse, role: W, capabilities: [], tier_preference: ULTRA, default_instructions: go, resource_requirements: {min_tokens: 2000, max_tokens: 10}}
`,
    );
    const error = await rejection(loadTemplatesFromFile(path));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('templates.yaml: [1].role: must be a non-empty string');
    expect(error.message).toContain(
      'templates.yaml: [2].capabilities: must list at least one capability',
    );
    expect(error.message).toContain('templates.yaml: [2].tierPreference:');
    expect(error.message).toContain(
      'templates.yaml: [2].resourceRequirements.maxTokens: must be >= minTokens (2000)',
    );
    expect((error as ValidationError).field).toBe(`${path}: [1].role`);
  });

  it('names fields of a single-template file without an index', async () => {
    const path = await file(
      'single.yaml',
      'id: s\nrole: S\ncapabilities: [x]\ntier_preference: CHEAP\n',
    );
    const error = await rejection(loadTemplatesFromFile(path));
    expect(error.message).toBe(`${path}: defaultInstructions: is required`);
  });

  it('rejects unknown keys and a field given in both spellings', async () => {
    const path = await file(
      'typo.yaml',
      'id: t\nrole: T\ncapabilities: [x]\ntierPreference: CHEAP\ntier_preference: CAPABLE\ndefaultInstructions: go\nresource_requirements: {timeout: 60}\n',
    );
    const error = await rejection(loadTemplatesFromFile(path));
    expect(error.message).toContain(
      'typo.yaml: tier_preference: given twice (also as tierPreference)',
    );
    expect(error.message).toContain('typo.yaml: resourceRequirements.timeout: unknown field');
  });

  it('reports keys named like Object.prototype members as unknown fields', async () => {
    const path = await file(
      'prototype.json',
      JSON.stringify({
        id: 't',
        role: 'T',
        capabilities: ['x'],
        tierPreference: 'CHEAP',
        defaultInstructions: 'go',
        toString: 'x',
        resourceRequirements: { constructor: 1 },
      }),
    );
    const error = await rejection(loadTemplatesFromFile(path));
    expect(error.message).toContain('prototype.json: toString: unknown field');
    expect(error.message).toContain(
      'prototype.json: resourceRequirements.constructor: unknown field',
    );
  });

  it('rejects duplicate ids in one file', async () => {
    const path = await file(
      'duplicates.yaml',
      '- {id: a, role: A, capabilities: [x], tierPreference: CHEAP, defaultInstructions: go}\n- {id: a, role: A, capabilities: [x], tierPreference: CHEAP, defaultInstructions: go}\n',
    );
    await expect(loadTemplatesFromFile(path)).rejects.toThrow(
      'duplicates.yaml: [1].id: duplicate id "a" (also at [0])',
    );
  });

  it('reports syntax errors with the file name', async () => {
    const json = await file('broken.json', '{"id": ');
    await expect(loadTemplatesFromFile(json)).rejects.toThrow(
      /broken\.json: \(document\): invalid JSON/,
    );
    const yaml = await file('broken.yaml', 'id: [unclosed\n');
    await expect(loadTemplatesFromFile(yaml)).rejects.toThrow(
      /broken\.yaml: \(document\): invalid YAML/,
    );
  });

  it('rejects empty files and documents that are not templates', async () => {
    await expect(loadTemplatesFromFile(await file('empty.yaml', ''))).rejects.toThrow(
      'empty.yaml: (document): holds no templates',
    );
    await expect(loadTemplatesFromFile(await file('none.json', '[]'))).rejects.toThrow(
      'none.json: (document): holds no templates',
    );
    await expect(loadTemplatesFromFile(await file('scalar.yaml', '42'))).rejects.toThrow(
      'must hold a template object or a list of templates',
    );
  });

  it('fails with BATON_NOT_FOUND for a missing file', async () => {
    const error = await rejection(loadTemplatesFromFile(join(directory, 'missing.yaml')));
    expect(error.code).toBe('BATON_NOT_FOUND');
    expect(error.message).toContain('missing.yaml');
  });

  it('rejects an empty path', async () => {
    await expect(loadTemplatesFromFile('')).rejects.toThrow('path: must be a non-empty string');
  });

  it('stops when the signal is aborted', async () => {
    const path = await file('aborted.yaml', snakeYaml);
    const error = await rejection(loadTemplatesFromFile(path, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('BATON_ABORTED');
  });

  it('registers into a registry, all or none, naming the file on conflicts', async () => {
    const registry = new TemplateRegistry();
    const path = await file('register.yaml', snakeYaml);
    await loadTemplatesFromFile(path, { registry });
    expect(registry.get('sql_reviewer')?.role).toBe('SQL Reviewer');
    await expect(loadTemplatesFromFile(path, { registry })).rejects.toThrow(
      /register\.yaml: \[0\]\.id: a template "sql_reviewer" is already registered/,
    );
    await loadTemplatesFromFile(path, { registry, override: true });
    expect(registry.getAll()).toHaveLength(9);
  });
});
