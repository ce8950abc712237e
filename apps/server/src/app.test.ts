import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaton } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { createServerApp } from './app.js';
import { DASHBOARD_ASSETS, DASHBOARD_CONTENT_SECURITY_POLICY } from './dashboard/assets.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };

function setup(
  options: {
    concurrency?: number;
    executor?: () => Promise<{ output: string; confidence: number }>;
  } = {},
) {
  const baton = createBaton({
    projectDir: mkdtempSync(join(tmpdir(), 'baton-server-')),
    executor:
      options.executor ??
      (async (agent: { id: string }) => ({
        output: `${agent.id} looked`,
        confidence: 0.9,
        usage: { inputTokens: 10, outputTokens: 5 },
      })),
  });
  const server = createServerApp({ baton, token: TOKEN, concurrency: options.concurrency });
  const call = (path: string, init: RequestInit = {}) =>
    server.app.request(`http://127.0.0.1${path}`, init);
  return { server, call };
}

/** Reads an SSE response to its end: the run events with their ids, then the final task-end. */
async function readSse(response: Response) {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const at = line.indexOf(':');
        fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
      }
      return { id: fields.id, event: fields.event, data: JSON.parse(fields.data ?? 'null') };
    });
}

describe('the API over the fetch handler', () => {
  it('answers /health and the dashboard files without a token, 401 on every API route without one', async () => {
    const { server, call } = setup();
    expect(await (await call('/health')).json()).toEqual({ status: 'ok' });
    // The deliberate exceptions, listed on purpose: the dashboard's files hold no data.
    const publicFiles = ['/', '/dashboard.js', '/dashboard.css'];
    expect(Object.keys(DASHBOARD_ASSETS)).toEqual(publicFiles);
    expect(
      server.routes.filter((route) => route.auth === false).map((route) => route.path),
    ).toEqual(['/health']);
    for (const path of publicFiles) {
      const response = await call(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toBe(
        DASHBOARD_CONTENT_SECURITY_POLICY,
      );
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    for (const route of server.routes.filter((candidate) => candidate.auth !== false)) {
      const path = route.path.replace(/:id/g, 'x');
      const response = await call(path, { method: route.method.toUpperCase() });
      expect(response.status, `${route.method} ${path}`).toBe(401);
    }
    expect((await call('/openapi.json')).status).toBe(401);
    for (const [method, path] of [
      ['POST', '/'],
      ['DELETE', '/dashboard.js'],
      ['GET', '/index.html'],
      ['GET', '/dashboard.js.map'],
      ['GET', '/v1/unknown'],
    ] as const) {
      expect((await call(path, { method })).status, `${method} ${path}`).toBe(401);
    }
    const wrong = await call('/v1/state', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('processes a request in the background and streams its events to the end, resumably', async () => {
    const { call } = setup();
    const response = await call('/v1/requests', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ description: 'update API documentation', priority: 'high' }),
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as Record<string, unknown>;
    expect(accepted).toMatchObject({ status: 'running', requiresApproval: false });
    expect(accepted.initialPlan).toMatchObject({ strategy: expect.any(String) });
    const events = await readSse(
      await call(`/v1/tasks/${accepted.requestId}/events`, { headers: auth }),
    );
    const runEvents = events.filter((event) => event.id !== undefined);
    expect(runEvents.map((event) => Number(event.id))).toEqual(
      runEvents.map((_event, index) => index + 1),
    );
    expect(runEvents.at(-1)?.data.type).toBe('run-end');
    expect(events.at(-1)).toMatchObject({ event: 'task-end', data: { status: 'succeeded' } });
    const resumed = await readSse(
      await call(`/v1/tasks/${accepted.requestId}/events`, {
        headers: { ...auth, 'last-event-id': '2' },
      }),
    );
    expect(resumed.filter((event) => event.id !== undefined).map((event) => event.data)).toEqual(
      runEvents.slice(2).map((event) => event.data),
    );
    const status = (await (
      await call(`/v1/tasks/${accepted.requestId}`, { headers: auth })
    ).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      status: 'succeeded',
      progress: { percent: 100 },
      pendingDecisions: [],
    });
    expect((status.spend as { tokens: number }).tokens).toBeGreaterThan(0);
    const checkpoint = (await (
      await call(`/v1/tasks/${accepted.requestId}/checkpoint`, { method: 'POST', headers: auth })
    ).json()) as { checkpoints: unknown[] };
    expect(checkpoint.checkpoints.length).toBeGreaterThan(0);
    const cancel = await call(`/v1/tasks/${accepted.requestId}/cancel`, {
      method: 'POST',
      headers: auth,
    });
    expect(cancel.status).toBe(409);
    const runs = (await (await call('/v1/runs', { headers: auth })).json()) as {
      runs: { id: string }[];
    };
    expect(runs.runs.map((run) => run.id)).toEqual([accepted.runId]);
    const runCancel = await call(`/v1/runs/${accepted.runId}/cancel`, {
      method: 'POST',
      headers: auth,
    });
    expect(runCancel.status).toBe(409);
    const compositions = (await (await call('/v1/compositions', { headers: auth })).json()) as {
      compositions: { usageCount: number }[];
    };
    expect(compositions.compositions[0]?.usageCount).toBe(1);
  });

  it('runs at most `concurrency` tasks, the rest by priority after their dependencies', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { call, server } = setup({
      concurrency: 1,
      executor: async () => {
        await gate;
        return { output: 'done', confidence: 0.9 };
      },
    });
    const submit = async (body: Record<string, unknown>) =>
      (await (
        await call('/v1/tasks', { method: 'POST', headers: json, body: JSON.stringify(body) })
      ).json()) as { taskId: string; status: string; queuePosition: number };
    const first = await submit({ type: 'run', description: 'update API documentation' });
    const low = await submit({
      type: 'run',
      description: 'write docs for the cli',
      priority: 'low',
    });
    const after = await submit({
      type: 'run',
      description: 'write docs for the server',
      priority: 'urgent',
      dependencies: [low.taskId],
    });
    const high = await submit({
      type: 'run',
      description: 'write docs for the sdk',
      priority: 'high',
    });
    expect(first.status).toBe('running');
    // A blocked task keeps its place by priority; a ready one behind it starts first.
    expect(high.queuePosition).toBe(2);
    const state = (await (await call('/v1/state', { headers: auth })).json()) as {
      running: unknown[];
      queued: { id: string }[];
    };
    expect(state.running).toHaveLength(1);
    expect(state.queued.map((task) => task.id)).toEqual([after.taskId, high.taskId, low.taskId]);
    const watchers = [first, high, low, after].map(async (task) => {
      for await (const { event } of server.tasks.events(task.taskId)) {
        if (event.type === 'run-start') order.push(task.taskId);
      }
    });
    release();
    await Promise.all(watchers);
    expect(order).toEqual([first.taskId, high.taskId, low.taskId, after.taskId]);
  });

  it('rejects bad input with 400 naming the field, unknown ids with 404', async () => {
    const { call } = setup();
    const empty = await call('/v1/tasks', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'run', description: '' }),
    });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toMatch(/^body\.description: /);
    const badType = await call('/v1/tasks', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'dance', description: 'x' }),
    });
    expect(((await badType.json()) as { error: string }).error).toMatch(/^body\.type: /);
    const unknownDependency = await call('/v1/tasks', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'run', description: 'x', dependencies: ['task-nope'] }),
    });
    expect(((await unknownDependency.json()) as { error: string }).error).toBe(
      'dependencies.0: no task "task-nope"',
    );
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const nested = await call('/v1/plans', { method: 'POST', headers: json, body: deep });
    expect(nested.status).toBe(400);
    expect(((await nested.json()) as { error: string }).error).toMatch(/^body: nested deeper/);
    const broken = await call('/v1/plans', { method: 'POST', headers: json, body: '{' });
    expect(broken.status).toBe(400);
    const plain = await call('/v1/decisions/d-0123abcd', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{"action":"approve"}',
    });
    expect(plain.status).toBe(415);
    const percent = await call('/v1/tasks/%E0%A4%A', { headers: auth });
    expect(percent.status).toBe(400);
    expect(((await percent.json()) as { error: string }).error).toMatch(/^path: malformed/);
    const query = await call('/v1/runs?status=%zz', { headers: auth });
    expect(((await query.json()) as { error: string }).error).toBe(
      'query.status: malformed percent-encoding',
    );
    expect((await call('/v1/tasks/task-nope', { headers: auth })).status).toBe(404);
    expect((await call('/v1/tasks/task-nope/events', { headers: auth })).status).toBe(404);
    expect((await call('/v1/runs/20260101-000000-abcdef', { headers: auth })).status).toBe(404);
    expect((await call('/v1/templates/nope', { headers: auth })).status).toBe(404);
    const decision = await call('/v1/decisions/d-0123abcd', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ action: 'approve' }),
    });
    expect(decision.status).toBe(404);
    const big = await call('/v1/plans', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ task: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
  });

  it('answers 403 to another host (DNS rebinding) or another origin', async () => {
    const { server } = setup();
    const rebound = await server.app.request('http://attacker.example/v1/state', { headers: auth });
    expect(rebound.status).toBe(403);
    expect((await server.app.request('http://attacker.example/')).status).toBe(403);
    const crossOrigin = await server.app.request('http://127.0.0.1/v1/decisions/d-0123abcd', {
      method: 'POST',
      headers: { ...json, origin: 'http://attacker.example' },
      body: '{"action":"approve"}',
    });
    expect(crossOrigin.status).toBe(403);
    const sameOrigin = await server.app.request('http://127.0.0.1/v1/state', {
      headers: { ...auth, origin: 'http://127.0.0.1' },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('serves the dashboard page with its script and style as files, nothing inline', async () => {
    const { call } = setup();
    const page = await (await call('/')).text();
    expect(page).toContain('<script src="/dashboard.js" defer></script>');
    expect(page.match(/<script\b[^>]*>/g)).toEqual(['<script src="/dashboard.js" defer>']);
    expect(page).not.toMatch(/<style\b| style=| on[a-z]+=/i);
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'; style-src 'self'/);
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    const script = await call('/dashboard.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('/v1/tasks');
    const head = await call('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('documents every route in /openapi.json from the body schemas', async () => {
    const { call } = setup();
    const document = (await (await call('/openapi.json', { headers: auth })).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }
        >
      >;
    };
    expect(Object.keys(document.paths)).toContain('/v1/tasks/{id}/events');
    expect(
      document.paths['/v1/requests']?.post?.requestBody?.content['application/json']?.schema
        .required,
    ).toEqual(['description']);
  });
});
