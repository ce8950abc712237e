/**
 * End to end: `baton serve` from the built CLI, a request run by a stand-in coding-agent CLI on
 * PATH, its events followed over SSE to the end, and no route answering without the token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeCliDirectory } from '../../../packages/executors/test/fake-clis.js';
import { tempDir } from './helpers.js';
import { cliPath, SYSTEM_PATH } from './run-helpers.js';

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child?.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
});

/** Starts `baton serve --port 0` and resolves with its URL once it listens. */
function serve(
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; stderr: () => string }> {
  const started = spawn(process.execPath, [cliPath, 'serve', '--port', '0'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  let stderr = '';
  return new Promise((resolve, reject) => {
    started.stderr?.on('data', (chunk) => {
      stderr += chunk;
      const url = /on (http:\/\/127\.0\.0\.1:\d+)\n[^\n]*token[^\n]*\n/.exec(stderr)?.[1];
      if (url !== undefined) resolve({ url, stderr: () => stderr });
    });
    started.once('exit', (code) => reject(new Error(`baton serve exited ${code}: ${stderr}`)));
  });
}

describe('baton serve', { timeout: 60_000 }, () => {
  it('runs a request on a stand-in agent CLI, streams it to the end, and answers nothing without the token', async () => {
    const { bin } = fakeCliDirectory({
      claude: {
        kind: 'claude-ok',
        result: JSON.stringify({
          summary: 'claude reviewed it',
          findings: [],
          recommendations: ['keep going'],
          confidence: 0.9,
        }),
      },
    });
    const project = tempDir();
    const { url, stderr } = await serve(project, {
      PATH: `${bin}:${SYSTEM_PATH}`,
      HOME: tempDir(),
      BATON_AGENT_CLI: 'claude',
    });
    const tokenFile = join(project, '.baton', 'server-token');
    expect(stderr()).toContain(`token generated into ${tokenFile}`);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    const auth = { authorization: `Bearer ${token}` };

    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const accepted = await fetch(`${url}/v1/requests`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'do something generic' }),
    });
    expect(accepted.status).toBe(202);
    const { requestId, runId } = (await accepted.json()) as { requestId: string; runId: string };

    const stream = await fetch(`${url}/v1/tasks/${requestId}/events`, { headers: auth });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const blocks = (await stream.text()).split('\n\n').filter((block) => block.trim() !== '');
    const ids = blocks.flatMap((block) => /^id: (\d+)$/m.exec(block)?.[1] ?? []).map(Number);
    expect(ids).toEqual(ids.map((_id, index) => index + 1));
    const data = blocks.map((block) => JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'));
    expect(data.at(-2)).toMatchObject({ type: 'run-end', status: 'succeeded', runId });
    expect(data.at(-1)).toMatchObject({ taskId: requestId, status: 'succeeded' });

    const task = (await (
      await fetch(`${url}/v1/tasks/${requestId}`, { headers: auth })
    ).json()) as {
      status: string;
      result: { agents: Array<{ summary: string; costUsd: number }> };
    };
    expect(task.status).toBe('succeeded');
    expect(task.result.agents[0]).toMatchObject({ summary: 'claude reviewed it', costUsd: 0.0123 });

    const document = (await (await fetch(`${url}/openapi.json`, { headers: auth })).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method, path: path.replace(/\{id\}/g, requestId) })),
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const { method, path } of routes) {
      const response = await fetch(`${url}${path}`, { method: method.toUpperCase() });
      expect(response.status, `${method} ${path}`).toBe(path === '/health' ? 200 : 401);
    }
    expect((await fetch(`${url}/openapi.json`)).status).toBe(401);

    // The dashboard page holds no data: it is served without the token, and serve says where.
    expect(stderr()).toContain(`dashboard at ${url}/ `);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/dashboard.js');
  });
});
