import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  BatonError,
  BatonErrorCode,
  describeError,
  TimeoutError,
  toBatonError,
  ValidationError,
} from './errors.js';

describe('BatonError', () => {
  it('carries a stable code, the cause and a JSON form', () => {
    const cause = new Error('disk full');
    const error = new BatonError(BatonErrorCode.STORAGE, 'could not save', { cause });
    expect(error.code).toBe('BATON_STORAGE');
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toEqual({
      name: 'BatonError',
      code: 'BATON_STORAGE',
      message: 'could not save',
      cause: 'disk full',
    });
  });

  it('is recognised across package copies by its marker, not by instanceof', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('baton.error')]: true });
    expect(BatonError.isInstance(foreign)).toBe(true);
    expect(BatonError.isInstance(new Error('plain'))).toBe(false);
    expect(BatonError.isInstance(null)).toBe(false);
    expect(BatonError.isInstance(new TimeoutError(1))).toBe(true);
  });
});

describe('ValidationError', () => {
  it('names the field in its message for a single problem', () => {
    const error = new ValidationError('task', 'must be a non-empty string');
    expect(error.message).toBe('task: must be a non-empty string');
    expect(error.field).toBe('task');
    expect(error.code).toBe(BatonErrorCode.VALIDATION);
  });

  it('lists every issue and reports the first field', () => {
    const error = new ValidationError([
      { field: 'role', message: 'is required' },
      { field: 'tools.0', message: 'must be a non-empty string' },
    ]);
    expect(error.message).toBe('role: is required; tools.0: must be a non-empty string');
    expect(error.field).toBe('role');
    expect(error.toJSON()).toMatchObject({ field: 'role', issues: error.issues });
  });
});

describe('error helpers', () => {
  it('describes any thrown value', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('text')).toBe('text');
    expect(describeError({ a: 1 })).toBe('{"a":1}');
    expect(describeError(undefined)).toBe('undefined');
  });

  it('wraps unknown throws and keeps Baton errors', () => {
    const aborted = new AbortedError();
    expect(toBatonError(aborted)).toBe(aborted);
    const wrapped = toBatonError('oops', BatonErrorCode.EXECUTION);
    expect(wrapped.code).toBe('BATON_EXECUTION');
    expect(wrapped.message).toBe('oops');
  });

  it('gives timeouts a message with the limit', () => {
    expect(new TimeoutError(0.05, 'Agent "a"').message).toBe('Agent "a" timed out after 0.05s');
  });
});
