import { describe, expect, it } from 'vitest';
import { ApiError, createApi } from './api.js';

describe('createApi', () => {
  it('sends the token on every call and JSON bodies on posts', async () => {
    const calls: Array<{ path: string; init: RequestInit }> = [];
    const api = createApi('the-token-0123456789', async (path, init = {}) => {
      calls.push({ path: String(path), init });
      return Response.json({ ok: true });
    });
    expect(await api.get('/v1/state')).toEqual({ ok: true });
    await api.post('/v1/decisions/d-1', { action: 'approve' });
    await api.stream('/v1/tasks/t/events', {
      lastEventId: 3,
      signal: new AbortController().signal,
    });
    expect(calls.map((call) => new Headers(call.init.headers).get('authorization'))).toEqual([
      'Bearer the-token-0123456789',
      'Bearer the-token-0123456789',
      'Bearer the-token-0123456789',
    ]);
    expect(calls[1]?.init).toMatchObject({ method: 'POST', body: '{"action":"approve"}' });
    expect(new Headers(calls[2]?.init.headers).get('last-event-id')).toBe('3');
  });

  it("says the server's own sentence for a refusal, and when nothing answered", async () => {
    const refused = createApi('the-token-0123456789', async () =>
      Response.json(
        { error: 'Decision d-1 is already approved', code: 'BATON_CONFLICT' },
        { status: 409 },
      ),
    );
    const error = await refused.post('/v1/decisions/d-1', { action: 'reject' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, message: '409: Decision d-1 is already approved' });
    const down = createApi('the-token-0123456789', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(down.get('/v1/state')).rejects.toMatchObject({
      status: 0,
      message: 'the server did not answer (fetch failed)',
    });
  });
});
