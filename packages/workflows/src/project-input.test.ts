import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test/helpers.js';
import { checkProjectInput } from './project-input.js';

describe('checkProjectInput', () => {
  it('resolves the project directory and defaults the context', async () => {
    const relative = path.relative(process.cwd(), fixturePath('security-clean'));
    expect(await checkProjectInput({ path: relative })).toEqual({
      root: fixturePath('security-clean'),
      context: {},
    });
  });

  it('names the offending field', async () => {
    await expect(checkProjectInput({ path: '' })).rejects.toThrow(
      'path: must be a non-empty string',
    );
    await expect(checkProjectInput({ path: '.', context: [] })).rejects.toThrow(
      'context: must be an object',
    );
    await expect(
      checkProjectInput({ path: path.join(fixturePath('security-clean'), 'package.json') }),
    ).rejects.toThrow(/^path: is not a directory: .*package\.json$/);
  });
});
