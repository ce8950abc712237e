import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatSecurityConsole,
  formatSecurityMarkdown,
  formatSecuritySarif,
  SARIF_SCHEMA,
  type SecurityDeepDiveReport,
  SecurityDeepDiveWorkflow,
} from '../src/index.js';
import { fixturePath } from './helpers.js';
import { loadSarifValidator } from './sarif-validator.js';
import { PLANTED_KEY, scriptedSecurityExecutor } from './security-scripts.js';

const PLANTED = fixturePath('security-planted');
let debated: SecurityDeepDiveReport;
let measuredOnly: SecurityDeepDiveReport;
let validateSarif: (data: unknown) => boolean;
let sarifErrors: () => unknown;

beforeAll(async () => {
  const options = {
    auditFile: 'audit/npm-audit.json',
    clock: () => new Date('2026-01-10T14:32:15.000Z'),
  };
  debated = await new SecurityDeepDiveWorkflow({
    ...options,
    executor: scriptedSecurityExecutor(),
    // The fixture is shared: no run or composition is kept in it.
    runtime: false,
    store: false,
  }).execute({ path: PLANTED });
  measuredOnly = await new SecurityDeepDiveWorkflow({
    ...options,
    noExecutorReason: 'no model configured',
  }).execute({ path: PLANTED });
  ({ validate: validateSarif, errors: sarifErrors } = await loadSarifValidator());
});

describe('formatSecuritySarif', () => {
  it('validates against the SARIF 2.1.0 JSON schema, with and without auditors', () => {
    for (const report of [debated, measuredOnly]) {
      const sarif = formatSecuritySarif(report);
      const valid = validateSarif(JSON.parse(JSON.stringify(sarif)));
      expect(sarifErrors()).toBeNull();
      expect(valid).toBe(true);
      expect(sarif).toMatchObject({ $schema: SARIF_SCHEMA, version: '2.1.0' });
    }
  });

  it('the schema check is real: a start line of 0 is rejected', () => {
    const sarif = JSON.parse(JSON.stringify(formatSecuritySarif(debated)));
    sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    expect(validateSarif(sarif)).toBe(false);
  });

  it('has a result for every measured finding and every debated auditor finding, at verified lines', () => {
    const [run] = formatSecuritySarif(debated).runs;
    const results = run!.results.map((result) => [
      result.ruleId,
      result.level,
      `${result.locations[0]!.physicalLocation.artifactLocation.uri}:${result.locations[0]!.physicalLocation.region.startLine}`,
    ]);
    expect(results).toEqual([
      ['dependency/GHSA-xvch-5gv4-984h', 'error', 'package.json:9'],
      ['secret/aws-access-key-id', 'error', 'src/config.js:2'],
      ['surface/command-injection', 'error', 'src/server.js:12'],
      ['surface/unsafe-deserialization-of-input', 'error', 'src/server.js:19'],
      ['js/shell-command-from-string', 'error', 'src/server.js:12'],
      ['js/unsafe-deserialization', 'error', 'src/server.js:19'],
      ['js/tls-verification-disabled', 'error', 'src/server.js:24'],
      ['deep-dive/CWE-78', 'error', 'src/server.js:12'],
      ['deep-dive/CWE-306', 'warning', 'src/server.js:18'],
      ['deep-dive/CWE-502', 'error', 'src/server.js:19'],
      ['deep-dive/CWE-295', 'error', 'src/server.js:24'],
      ['deep-dive/CWE-798', 'error', 'src/config.js:2'],
      ['deep-dive/CWE-200', 'note', 'src/server.js:7'],
    ]);
    expect(run!.results.at(-1)!.message.text).toMatch(/^Disputed: A-6 /);
    expect(run!.tool.driver.rules.find((rule) => rule.id === 'surface/command-injection')).toEqual({
      id: 'surface/command-injection',
      shortDescription: { text: 'Request input reaches a command that runs in a shell' },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security', 'external/cwe/cwe-78'], 'security-severity': '9.5' },
    });
    // The invented findings have no verified location: they are not results.
    expect(JSON.stringify(run)).not.toContain(':412');
  });

  it('makes URIs relative to a given source root', () => {
    const repository = path.dirname(path.dirname(PLANTED));
    const [run] = formatSecuritySarif(debated, { sourceRoot: repository }).runs;
    expect(run!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'fixtures/security-planted/package.json',
    );
    expect(() => formatSecuritySarif(debated, { sourceRoot: '/elsewhere' })).toThrow(
      /^sourceRoot: must contain the project/,
    );
  });
});

describe('console and Markdown reports', () => {
  it('say that no auditor ran and why, and still show the measured findings', () => {
    const text = formatSecurityConsole(measuredOnly);
    expect(text).toContain('Status: ❌ BLOCKED');
    expect(text).toContain('No auditor ran: no model configured');
    expect(text).toContain('Not generated: no auditor ran: no model configured');
    expect(text).toContain('E-3   critical surface/command-injection src/server.js:12');
    expect(text).toContain('GET /thumbnail -> inline function (src/server.js:11)');
  });

  it('show the plan with figures counted from the checked steps, and the disputed findings apart', () => {
    const text = formatSecurityConsole(debated);
    expect(text).toContain('6 steps covering 12 of 12 open findings.');
    expect(text).toContain('Code reviewer: 7 steps for 12 open findings.');
    expect(text).toContain(
      '  1. [critical] E-1 — Upgrade minimist to 1.2.8 or later (owner: package.json, effort: small)',
    );
    expect(text).toContain(
      '  A-6 Framework banner (X-Powered-By) exposed (src/server.js:7) — 1 confirm, 2 dispute',
    );
    const markdown = formatSecurityMarkdown(debated);
    expect(markdown.split('\n')[0]).toBe('## ❌ Security deep dive: BLOCKED');
    expect(markdown).toContain('| Critical Findings | ❌ fail | 4 | ≤ 0 |');
    expect(markdown).toContain(
      '| 4 | critical | E-4, E-6, A-3 | Replace node-serialize with JSON.parse and validate the profile | `src/server.js` | medium |',
    );
  });

  it('never print the planted key, in any format', () => {
    for (const report of [debated, measuredOnly]) {
      for (const text of [
        formatSecurityConsole(report),
        formatSecurityMarkdown(report),
        JSON.stringify(formatSecuritySarif(report)),
        JSON.stringify(report),
      ]) {
        expect(text).not.toContain(PLANTED_KEY);
      }
    }
  });
});
