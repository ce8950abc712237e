import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatonServer } from './server.js';

const server = createBatonServer({ projectDir: mkdtempSync(join(tmpdir(), 'baton-server-')) });
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('baton-server', () => {
  it('answers health and lists templates', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const templates = (await (await fetch(`${base}/templates`)).json()) as { id: string }[];
    expect(templates).toHaveLength(7);
    const one = await fetch(`${base}/templates/security_auditor`);
    expect(((await one.json()) as { tierPreference: string }).tierPreference).toBe('PREMIUM');
    expect((await fetch(`${base}/templates/nope`)).status).toBe(404);
  });

  it('composes a plan for a task', async () => {
    const response = await fetch(`${base}/plan`, {
      method: 'POST',
      body: JSON.stringify({ task: 'perform comprehensive security audit' }),
    });
    expect(response.status).toBe(200);
    const plan = (await response.json()) as { strategy: string; domain: string };
    expect(plan).toMatchObject({ strategy: 'parallel', domain: 'security' });
  });

  it('rejects bad bodies with 400 naming the field', async () => {
    const empty = await fetch(`${base}/plan`, {
      method: 'POST',
      body: JSON.stringify({ task: '' }),
    });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toMatch(/^body\.task: /);
    const broken = await fetch(`${base}/plan`, { method: 'POST', body: '{' });
    expect(broken.status).toBe(400);
  });

  it('lists compositions (none in a fresh project)', async () => {
    expect(await (await fetch(`${base}/compositions`)).json()).toEqual([]);
  });
});

describe('runs and decisions over HTTP (the same .baton/ state as the CLI)', () => {
  it('lists no runs in a fresh project and rejects a bad status filter naming it', async () => {
    expect(await (await fetch(`${base}/runs`)).json()).toEqual([]);
    const bad = await fetch(`${base}/runs?status=sleeping`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^query\.status: /);
    expect(await (await fetch(`${base}/decisions?status=pending`)).json()).toEqual([]);
  });

  it('answers 404 for an unknown run or decision and 400 for a malformed decision id', async () => {
    expect((await fetch(`${base}/runs/run-does-not-exist`)).status).toBe(404);
    const post = (id: string) =>
      fetch(`${base}/decisions/${id}/approve`, { method: 'POST', body: '{}' });
    expect((await post('d-0123abcd')).status).toBe(404);
    const malformed = await post('nope');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe(
      'id: "nope" is not a decision id',
    );
  });
});
