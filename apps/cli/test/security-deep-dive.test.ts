/**
 * `baton orchestrate security-deep-dive` end to end: the planted and clean fixtures of
 * @baton/workflows, the agents answering through a local server speaking the OpenAI Chat
 * Completions protocol, or through a stand-in `claude` CLI on PATH.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ModelServer, startModelServer } from '../../../packages/executors/test/servers.js';
import {
  PLANTED_KEY,
  readPrompt,
  scriptedAnswer,
} from '../../../packages/workflows/test/security-scripts.js';
import { baton, tempDir } from './helpers.js';
import { modelServerEnv, SYSTEM_PATH, scriptedExecutors } from './run-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', '..', 'packages', 'workflows', 'test', 'fixtures');

/** A copy of a workflows fixture outside any git work tree. */
function fixtureProject(name: 'security-planted' | 'security-clean'): string {
  const dir = join(tempDir('baton-security-'), name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

const AUDIT = ['--audit-file', 'audit/npm-audit.json'];
const THREAT = 'security_auditor__threat_modeling';

let server: ModelServer | undefined;
let scriptServer: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  scriptServer?.closeAllConnections();
  await new Promise((resolve) =>
    scriptServer === undefined ? resolve(undefined) : scriptServer.close(resolve),
  );
  scriptServer = undefined;
});

const where = (finding: { location: { file: string; line: number } }) =>
  `${finding.location.file}:${finding.location.line}`;

describe('baton orchestrate security-deep-dive without a model', () => {
  it('measures the planted problems, says no auditor ran and why, and exits 1', async () => {
    const project = fixtureProject('security-planted');
    const result = await baton(['orchestrate', 'security-deep-dive', ...AUDIT, '--json'], {
      cwd: project,
      env: { PATH: SYSTEM_PATH },
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.evidence.findings.map((finding: { ruleId: string }) => finding.ruleId)).toEqual([
      'dependency/GHSA-xvch-5gv4-984h',
      'secret/aws-access-key-id',
      'surface/command-injection',
      'surface/unsafe-deserialization-of-input',
      'js/shell-command-from-string',
      'js/unsafe-deserialization',
      'js/tls-verification-disabled',
    ]);
    expect(report.auditors).toMatchObject({
      ran: false,
      reason: expect.stringMatching(
        /^no model provider or agent CLI configured \(No model provider configured: set ANTHROPIC_API_KEY .*; or pass --agent-cli claude\)$/,
      ),
    });
    expect(result.stdout).not.toContain(PLANTED_KEY);
  });

  it('passes the clean project (exit 0) and prints the console report', async () => {
    const project = fixtureProject('security-clean');
    const result = await baton(['orchestrate', 'security-deep-dive', ...AUDIT, '--no-model'], {
      cwd: project,
      env: { PATH: SYSTEM_PATH },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SECURITY DEEP DIVE REPORT');
    expect(result.stdout).toContain('Status: ✅ NO BLOCKERS');
    expect(result.stdout).toContain('✅ Critical Findings: PASS (actual: 0, threshold: 0)');
    expect(result.stdout).toContain('No auditor ran: no auditor asked for (noModel, --no-model)');
  });

  it('extends the compliance checklist from baton.config.json, and names the file and field of a mistake', async () => {
    const project = fixtureProject('security-clean');
    const write = (section: unknown) =>
      writeFileSync(
        join(project, 'baton.config.json'),
        JSON.stringify({ securityDeepDive: section }),
      );
    write({
      auditFile: 'audit/npm-audit.json',
      compliance: {
        checks: [
          { id: 'policy', name: 'A security policy', kind: 'require-file', path: 'SECURITY.md' },
        ],
      },
    });
    const failed = await baton(['orchestrate', 'security-deep-dive', '--no-model', '--json'], {
      cwd: project,
      env: { PATH: SYSTEM_PATH },
    });
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.compliance.at(-1)).toMatchObject({
      id: 'policy',
      builtIn: false,
      status: 'fail',
      summary: 'SECURITY.md is missing',
    });
    expect(report.blockers).toEqual([
      'Compliance: 5 of 6 checks passed; failed: A security policy',
    ]);

    write({
      compliance: { checks: [{ id: 'policy', name: 'x', kind: 'require-fil', path: 'S.md' }] },
    });
    const bad = await baton(['orchestrate', 'security-deep-dive', '--no-model'], {
      cwd: project,
      env: { PATH: SYSTEM_PATH },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^baton: baton\.config\.json securityDeepDive\.compliance\.checks\.0\.kind: .*\n$/,
    );
  });

  it('refuses bad flags with exit 2', async () => {
    const project = fixtureProject('security-clean');
    const run = (...flags: string[]) =>
      baton(['orchestrate', 'security-deep-dive', ...flags], {
        cwd: project,
        env: { PATH: SYSTEM_PATH },
      });
    expect((await run('--json', '--format', 'sarif')).stderr).toBe(
      'baton: --json conflicts with --format sarif\n',
    );
    expect((await run('--agents', 'pentester')).stderr).toBe(
      'baton: agents.0: unknown agent "pentester" (known: vulnerabilities, threat_modeling, compliance, code_reviewer)\n',
    );
    const missing = await run('--agent-cli', 'gemini');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('gemini not found on PATH');
  });
});

/** The text of a Chat Completions request: the system instructions, then the user prompt. */
function requestText(body: Record<string, unknown> | undefined): string {
  const messages = (body?.messages ?? []) as Array<{ content: unknown }>;
  return messages
    .map((message) =>
      typeof message.content === 'string'
        ? message.content
        : (message.content as Array<{ text?: string }>).map((part) => part.text ?? '').join(''),
    )
    .join('\n\n');
}

describe('baton orchestrate security-deep-dive on a model (local OpenAI-compatible server)', () => {
  it('runs the three phases on the model; the auditor that times out is missing, the others count', async () => {
    server = await startModelServer({
      replies: (request) => {
        const { agentId, context } = readPrompt(requestText(request.body));
        if (agentId === THREAT && context.phase === 'audit') return { type: 'hang' };
        return {
          type: 'text',
          text: `Done.\n\`\`\`json\n${JSON.stringify(scriptedAnswer(agentId, context))}\n\`\`\``,
          inputTokens: 1000,
          outputTokens: 200,
        };
      },
    });
    const project = fixtureProject('security-planted');
    writeFileSync(
      join(project, 'baton.config.json'),
      JSON.stringify({
        model: { prices: { 'local-model': { inputPerMillion: 1, outputPerMillion: 2 } } },
      }),
    );
    const output = join(project, 'out', 'report.sarif');
    mkdirSync(join(project, 'out'));
    const json = await baton(
      ['orchestrate', 'security-deep-dive', ...AUDIT, '--agent-timeout', '3', '--json'],
      { cwd: project, env: modelServerEnv(server) },
    );
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.auditors.missing).toEqual([
      {
        agentId: THREAT,
        phase: 'audit',
        reason: expect.stringMatching(
          /^Agent "security_auditor__threat_modeling" timed out after 3s/,
        ),
      },
    ]);
    expect(
      report.findings.map(
        (finding: { status: string; location: { file: string; line: number } }) => [
          where(finding),
          finding.status,
        ],
      ),
    ).toEqual([
      ['src/server.js:12', 'confirmed'],
      ['src/server.js:18', 'confirmed'],
      ['src/server.js:24', 'confirmed'],
      ['src/config.js:2', 'confirmed'],
      ['src/server.js:7', 'disputed'],
    ]);
    expect(report.rejectedFindings.map((item: { reason: string }) => item.reason)).toEqual([
      'location not verified: line 412 does not exist in src/server.js (31 lines)',
      'location not verified: line 99 does not exist in src/config.js (4 lines)',
    ]);
    expect(report.plan).toMatchObject({ status: 'generated', missing: [] });
    expect(
      report.agentRuns.map(
        (run: { phase: string; agentId: string; tier: string }) =>
          `${run.phase} ${run.agentId} ${run.tier}`,
      ),
    ).toEqual([
      'audit security_auditor__vulnerabilities PREMIUM',
      `audit ${THREAT} PREMIUM`,
      'audit security_auditor__compliance PREMIUM',
      'debate security_auditor__vulnerabilities PREMIUM',
      'debate security_auditor__compliance PREMIUM',
      'synthesis code_reviewer__synthesizer CAPABLE',
    ]);
    // Tokens as the server reported them, for the five runs that answered; the cost of the
    // timed-out run is unknown, so the total cost is too.
    expect(report.usage).toEqual({
      calls: 6,
      reported: 5,
      inputTokens: 5000,
      outputTokens: 1000,
      costUsd: null,
    });
    expect(report.agentRuns[0].usage).toMatchObject({
      inputTokens: 1000,
      outputTokens: 200,
      costUsd: 0.0014,
    });
    // The auditors had the read-only project tools.
    const first = server.modelRequests()[0]!.body as {
      tools?: Array<{ function?: { name: string } }>;
    };
    expect(first.tools?.map((tool) => tool.function?.name).sort()).toEqual([
      'list_files',
      'read_file',
      'search_text',
    ]);

    const sarif = await baton(
      [
        'orchestrate',
        'security-deep-dive',
        ...AUDIT,
        '--agent-timeout',
        '3',
        '--format',
        'sarif',
        '--output',
        output,
      ],
      { cwd: project, env: modelServerEnv(server) },
    );
    expect(sarif.code).toBe(1);
    expect(sarif.stdout).toBe('');
    expect(sarif.stderr).toContain(`BLOCKED: report written to ${output}`);
    const log = JSON.parse(readFileSync(output, 'utf8'));
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.length).toBe(12);
    expect(readFileSync(output, 'utf8')).not.toContain(PLANTED_KEY);
  }, 60_000);
});

/**
 * A stand-in `claude` on PATH: it sends its prompt (stdin) to a server of this test, which
 * answers from the scripts, and prints the reply the way `claude -p --output-format json` does.
 */
async function standInClaude(): Promise<string> {
  scriptServer = createServer(async (request, response) => {
    let prompt = '';
    for await (const chunk of request) prompt += chunk;
    const { agentId, context } = readPrompt(prompt);
    response.end(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: false,
        duration_ms: 800,
        result: JSON.stringify(scriptedAnswer(agentId, context)),
        total_cost_usd: 0.0123,
        usage: { input_tokens: 300, output_tokens: 120 },
        modelUsage: { 'claude-sonnet-4-5': {} },
      }),
    );
  });
  scriptServer.listen(0, '127.0.0.1');
  await new Promise((resolve) => scriptServer!.once('listening', resolve));
  const { port } = scriptServer.address() as AddressInfo;
  const bin = join(tempDir('baton-stand-in-'), 'bin');
  mkdirSync(bin);
  const claude = join(bin, 'claude');
  writeFileSync(
    claude,
    `#!${process.execPath}
let prompt = '';
process.stdin.on('data', (chunk) => { prompt += chunk; });
process.stdin.on('end', async () => {
  const reply = await fetch('http://127.0.0.1:${port}/', { method: 'POST', body: prompt });
  process.stdout.write(await reply.text() + '\\n');
});
`,
  );
  chmodSync(claude, 0o755);
  return bin;
}

describe('baton orchestrate security-deep-dive --agent-cli (stand-in coding-agent CLI)', () => {
  it('runs the auditors and the reviewer through the CLI; the majority decides, invented lines are dropped', async () => {
    const bin = await standInClaude();
    const project = fixtureProject('security-planted');
    const result = await baton(
      ['orchestrate', 'security-deep-dive', ...AUDIT, '--agent-cli', 'claude', '--json'],
      { cwd: project, env: { PATH: `${bin}:${SYSTEM_PATH}`, HOME: tempDir() } },
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.auditors).toMatchObject({ ran: true, missing: [] });
    expect(
      report.findings.map(
        (finding: { id: string; status: string; confirmations: number; votes: unknown[] }) =>
          `${finding.id} ${finding.status} ${finding.confirmations}/${finding.votes.length}`,
      ),
    ).toEqual([
      'A-1 confirmed 3/3',
      'A-2 confirmed 2/3',
      'A-3 confirmed 3/3',
      'A-4 confirmed 3/3',
      'A-5 confirmed 3/3',
      'A-6 disputed 1/3',
    ]);
    expect(report.rejectedFindings.map((item: { findingId: string }) => item.findingId)).toEqual([
      'V2',
      'C4',
    ]);
    expect(
      report.plan.items.map((step: { findingIds: string[] }) => step.findingIds.join(',')),
    ).toEqual(['E-1', 'E-2,A-5', 'E-3,E-5,A-1', 'E-4,E-6,A-3', 'E-7,A-4', 'A-2']);
    // Usage and cost as the CLI reported them, for each of the seven runs.
    expect(report.usage).toEqual({
      calls: 7,
      reported: 7,
      inputTokens: 2100,
      outputTokens: 840,
      costUsd: 0.0861,
    });
    expect(result.stdout).not.toContain(PLANTED_KEY);
    // The auditors only read: no worktree was made, and the prompts are kept under .baton/runs.
    expect(existsSync(join(project, '.baton', 'runs'))).toBe(true);
  }, 60_000);
});

describe('the executor seam', () => {
  it('builds the agents from the resolved setup through executorFactory', async () => {
    const project = fixtureProject('security-clean');
    const { factory, setups, calls } = scriptedExecutors(({ agentId, context }) => ({
      output: scriptedAnswer(agentId, context, {}),
    }));
    const { batonRun } = await import('./run-helpers.js');
    const result = await batonRun(['orchestrate', 'security-deep-dive', ...AUDIT, '--json'], {
      cwd: project,
      factory,
    });
    expect(result.code).toBe(0);
    expect(setups.map((setup) => setup.kind)).toEqual(['model']);
    expect(calls.map((call) => `${call.agentId} ${call.tier}`)).toEqual([
      'security_auditor__vulnerabilities PREMIUM',
      `${THREAT} PREMIUM`,
      'security_auditor__compliance PREMIUM',
    ]);
  });
});
