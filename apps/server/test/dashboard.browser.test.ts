/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core): the
 * page asks for the token, shows a run progressing live from its event stream, pauses on a
 * decision that a click on Approve answers, shows the run finished with the API's measured
 * figures, and is saved as a screenshot.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport, TaskInfo } from '@baton/sdk';
import { createBaton } from '@baton/sdk';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerApp } from '../src/app.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-browser-test-token-0123';
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const WAIT = { timeout: 15_000 };

let releaseReviewer: () => void = () => {};
const reviewerGate = new Promise<void>((resolve) => {
  releaseReviewer = resolve;
});
let auditorCalls = 0;
const baton = createBaton({
  projectDir: mkdtempSync(join(tmpdir(), 'baton-dashboard-')),
  // A stand-in team: the reviewer waits for the test, the auditor's first attempt fails (the run
  // then waits for a person's decision to try it again).
  executor: async (agent: { id: string }) => {
    if (agent.id === 'code_reviewer') await reviewerGate;
    if (agent.id === 'security_auditor' && ++auditorCalls === 1) {
      throw new Error('stand-in agent: the first attempt fails');
    }
    return {
      output: `${agent.id} looked`,
      confidence: 0.9,
      usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.0012 },
    };
  },
});
const { app, tasks } = createServerApp({ baton, token: TOKEN });
let server: ReturnType<typeof serve> | undefined;
let browser: Browser | undefined;
let url = '';

const MISSING = `${CHROMIUM} is missing: the dashboard's browser test needs Chromium; install it with \`apt-get install -y chromium\``;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  releaseReviewer();
  await browser?.close();
  await tasks.close();
  await new Promise<void>((done) => {
    if (server === undefined) return done();
    server.close(() => done());
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  await baton.close();
});

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

const row = (page: Page, taskId: string) => page.locator(`tr[data-task-id="${taskId}"]`);

describe('the dashboard in headless Chromium', () => {
  it('asks for the token, follows a run live, approves its decision by a click, shows it finished', {
    timeout: 60_000,
  }, async () => {
    // Fails, never skips, on a machine without Chromium (.ci/run installs it).
    expect(existsSync(CHROMIUM), MISSING).toBe(true);
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type/i.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    const apiRequests: { path: string; authorization: string | undefined }[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/v1/')) {
        apiRequests.push({ path, authorization: request.headers().authorization });
      }
    });

    const landing = await page.goto(url);
    expect(landing?.status()).toBe(200);
    expect(landing?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#token').waitFor(WAIT);
    expect(await page.locator('#app').isHidden()).toBe(true);
    await page.fill('#token', 'not-the-token-but-long-enough');
    await page.click('button[type="submit"]');
    await page.getByText('That is not the server token (401).').waitFor(WAIT);
    await page.fill('#token', TOKEN);
    await page.click('button[type="submit"]');
    await page.getByText('No tasks yet.').waitFor(WAIT);
    expect(await page.evaluate(() => sessionStorage.getItem('baton-server-token'))).toBe(TOKEN);
    expect(apiRequests[0]).toEqual({
      path: '/v1/state',
      authorization: 'Bearer not-the-token-but-long-enough',
    });
    apiRequests.length = 0;

    const accepted = await api<{ taskId: string; runId: string }>('/v1/requests', {
      method: 'POST',
      body: JSON.stringify({
        description: 'review the API',
        context: { capabilities: ['code_review', 'vulnerability_scan'] },
      }),
    });
    const { taskId } = accepted;
    // Running, nothing finished: the reviewer waits for the test.
    await row(page, taskId).locator('.status[data-status="running"]').waitFor(WAIT);
    await row(page, taskId).locator('.progress[data-percent="0"]').waitFor(WAIT);
    releaseReviewer();
    // The reviewer finished (1 of 2 steps); the auditor failed and waits for a decision.
    await row(page, taskId).locator('.progress[data-percent="50"]').waitFor(WAIT);
    await row(page, taskId).locator('.status[data-status="paused"]').waitFor(WAIT);
    const [decision] = (
      await api<{ decisions: { id: string; stepId: string }[] }>('/v1/decisions?status=pending')
    ).decisions;
    expect(decision?.stepId).toBe('security_auditor');
    const card = page.locator(`.decision[data-decision-id="${decision!.id}"]`);
    await card.waitFor(WAIT);
    await page
      .locator('[data-step-id="security_auditor"][data-status="awaiting decision"]')
      .waitFor(WAIT);
    await card.getByRole('button', { name: 'Approve' }).click();

    await row(page, taskId).locator('.status[data-status="succeeded"]').waitFor(WAIT);
    await row(page, taskId).locator('.progress[data-percent="100"]').waitFor(WAIT);
    await page.getByText('No decision waits.').waitFor(WAIT);
    await page.locator('#log li[data-type="run-end"]').nth(1).waitFor(WAIT);

    // The figures shown are the API's: the reviewer's measured cost, the total unknown because
    // the auditor's failed attempt measured nothing.
    const task = await api<TaskInfo & { result: RunReport }>(`/v1/tasks/${taskId}`);
    expect(task.result.totals.costUsd).toBeNull();
    const reviewer = task.result.agents.find((agent) => agent.agentId === 'code_reviewer');
    expect(reviewer?.costUsd).toBe(0.0012);
    await page
      .locator('#agents tr[data-agent-id="code_reviewer"] .cost')
      .getByText('$0.0012')
      .waitFor(WAIT);
    expect(await page.locator('#agents tr[data-agent-id="code_reviewer"]').textContent()).toContain(
      'CAPABLE',
    );
    expect(await page.locator('#totals').textContent()).toContain(
      `${task.result.totals.totalTokens} measured`,
    );
    expect(await page.locator('#totals').textContent()).toMatch(
      /cost unknown \(at least \$0\.\d{4} priced\)/,
    );
    expect(await row(page, taskId).locator('.cost').textContent()).toMatch(/^unknown/);
    for (const stepId of ['code_reviewer', 'security_auditor']) {
      await page.locator(`[data-step-id="${stepId}"][data-status="succeeded"]`).waitFor(WAIT);
    }
    expect(await page.locator('[data-step-id="security_auditor"]').textContent()).toContain(
      'tier PREMIUM',
    );

    // Compositions: the success rate and quality the API reports for the team that ran.
    const { compositions } = await api<{
      compositions: { id: string; successRate: number; avgQualityScore: number | null }[];
    }>('/v1/compositions');
    const composition = compositions[0]!;
    const line = page.locator(`tr[data-composition-id="${composition.id}"]`);
    await line.waitFor(WAIT);
    expect(await line.locator('.success-rate').textContent()).toBe(
      `${Number((composition.successRate * 100).toFixed(1))}%`,
    );
    expect(await line.locator('.quality').textContent()).toBe(
      composition.avgQualityScore === null
        ? 'unknown'
        : `${Number(composition.avgQualityScore.toFixed(1))} (1 scored)`,
    );

    // The project's stored runs list it too, with the status its record has.
    await page
      .locator(`tr[data-run-id="${accepted.runId}"] .status[data-status="succeeded"]`)
      .waitFor(WAIT);

    // Every API call of the page since carried the token; the live progress came from the event stream.
    expect(apiRequests.length).toBeGreaterThan(0);
    expect(apiRequests.filter((request) => request.authorization !== `Bearer ${TOKEN}`)).toEqual(
      [],
    );
    expect(apiRequests.map((request) => request.path)).toContain(`/v1/tasks/${taskId}/events`);
    expect(problems).toEqual([]);

    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = join(OUTPUT, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = readFileSync(screenshot);
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(png.length).toBeGreaterThan(1000);

    // The tab keeps the token: a reload shows the dashboard without asking again.
    await page.reload();
    await row(page, taskId).locator('.status[data-status="succeeded"]').waitFor(WAIT);
    expect(await page.locator('#login').isHidden()).toBe(true);
  });
});
