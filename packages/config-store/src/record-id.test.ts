import path from 'node:path';
import { ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { idProblem, MAX_ID_BYTES, recordPath } from './record-id.js';

const root = path.resolve('/tmp/store');

describe('recordPath', () => {
  it.each([
    ['release-prep_v1', 'release-prep_v1.json'],
    ['comp.001', 'comp.001.json'],
    ['d8f1c2e4-5b6a-4c3d-9e8f-0a1b2c3d4e5f', 'd8f1c2e4-5b6a-4c3d-9e8f-0a1b2c3d4e5f.json'],
    ['überprüfung', 'überprüfung.json'],
  ])('places the safe id %j in <dir>/<id>.json', (id, file) => {
    expect(recordPath(root, id)).toBe(path.join(root, file));
  });

  it.each([
    ['', 'must not be empty'],
    ['../x', 'must not contain path separators'],
    ['a/b', 'must not contain path separators'],
    ['a\\b', 'must not contain path separators'],
    ['..', 'must not contain ".."'],
    ['x..y', 'must not contain ".."'],
    ['a\0b', 'must not contain NUL characters'],
    ['.hidden', 'must not start with "."'],
    ['.', 'must not start with "."'],
    [' padded', 'must not start or end with whitespace'],
    ['C:evil', 'must not contain control characters or any of'],
    ['line\nbreak', 'must not contain control characters or any of'],
    ['x'.repeat(MAX_ID_BYTES + 1), `must be at most ${MAX_ID_BYTES} bytes`],
    ['é'.repeat(MAX_ID_BYTES / 2 + 1), `must be at most ${MAX_ID_BYTES} bytes`],
  ])('rejects %j with a ValidationError naming id', (id, message) => {
    let caught: unknown;
    try {
      recordPath(root, id);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe('id');
    expect((caught as ValidationError).message).toContain(`id: ${message}`);
  });

  it('rejects ids that are not strings', () => {
    expect(() => recordPath(root, 42)).toThrow('id: must be a string');
    expect(() => recordPath(root, undefined)).toThrow('id: must be a string');
  });

  it('names the field it was told to', () => {
    expect(() => recordPath(root, '../x', { field: 'compositionId' })).toThrow(
      /^compositionId: must not contain path separators/,
    );
  });

  it('accepts an id of exactly the byte limit', () => {
    expect(idProblem('x'.repeat(MAX_ID_BYTES))).toBeUndefined();
  });
});
