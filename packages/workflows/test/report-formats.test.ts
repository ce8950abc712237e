import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatMarkdown,
  formatSarif,
  OrchestratedReleasePrepWorkflow,
  type ReleaseReadinessReport,
  SARIF_SCHEMA,
} from '../src/index.js';
import { fixturePath } from './helpers.js';

let blocked: ReleaseReadinessReport;
let validateSarif: (data: unknown) => boolean;
let sarifErrors: () => unknown;

beforeAll(async () => {
  blocked = await new OrchestratedReleasePrepWorkflow({
    store: false,
    runtime: false,
    auditFile: 'audit/npm-audit.json',
    clock: () => new Date('2026-01-10T14:32:15.000Z'),
  }).execute({ path: fixturePath('release-blocked') });
  const schema = JSON.parse(
    await readFile(path.join(fixturePath('sarif'), 'sarif-2.1.0-rtm.5.json'), 'utf8'),
  ) as Record<string, unknown>;
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    unicodeRegExp: false,
    validateFormats: false,
  });
  const validate = ajv.compile(schema);
  validateSarif = (data) => validate(data) as boolean;
  sarifErrors = () => validate.errors;
});

describe('formatSarif', () => {
  it('validates against the SARIF 2.1.0 JSON schema', () => {
    const sarif = formatSarif(blocked);
    const valid = validateSarif(JSON.parse(JSON.stringify(sarif)));
    expect(sarifErrors()).toBeNull();
    expect(valid).toBe(true);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toBe(SARIF_SCHEMA);
  });

  it('the schema check is real: a result without a message is rejected', () => {
    const sarif = JSON.parse(JSON.stringify(formatSarif(blocked)));
    delete sarif.runs[0].results[0].message;
    expect(validateSarif(sarif)).toBe(false);
  });

  it('names the tool baton with one rule for every rule id that appears', () => {
    const [run] = formatSarif(blocked).runs;
    expect(run!.tool.driver.name).toBe('baton');
    const ruleIds = run!.tool.driver.rules.map((rule) => rule.id);
    expect(ruleIds).toEqual([
      'dependency/GHSA-xvch-5gv4-984h',
      'secret/private-key',
      'secret/github-token',
      'js/shell-command-from-string',
      'coverage/uncovered-lines',
      'docs/undocumented-export',
    ]);
    for (const result of run!.results) {
      expect(ruleIds[result.ruleIndex]).toBe(result.ruleId);
      expect(['error', 'warning', 'note']).toContain(result.level);
      const { artifactLocation, region } = result.locations[0]!.physicalLocation;
      expect(path.isAbsolute(artifactLocation.uri)).toBe(false);
      expect(artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(region.startLine).toBeGreaterThanOrEqual(1);
    }
    expect(run!.tool.driver.rules[1]).toEqual({
      id: 'secret/private-key',
      shortDescription: { text: 'Private key block' },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security'], 'security-severity': '9.5' },
    });
    expect(run!.originalUriBaseIds['%SRCROOT%']!.uri).toBe(
      `file://${fixturePath('release-blocked')}/`,
    );
  });

  it('makes URIs relative to a given source root (the repository of a project in a sub-directory)', () => {
    const project = fixturePath('release-blocked');
    const repository = path.dirname(path.dirname(project));
    const [run] = formatSarif(blocked, { sourceRoot: repository }).runs;
    const below = path.relative(repository, project);
    expect(run!.originalUriBaseIds['%SRCROOT%']!.uri).toBe(`file://${repository}/`);
    const uris = run!.results.map(
      (result) => result.locations[0]!.physicalLocation.artifactLocation.uri,
    );
    expect(uris).toContain(`${below}/src/publish.js`);
    expect(uris.every((uri) => uri.startsWith(`${below}/`))).toBe(true);
    expect(() => formatSarif(blocked, { sourceRoot: '/elsewhere' })).toThrow(
      /^sourceRoot: must contain the project/,
    );
  });

  it('never carries a secret value', () => {
    expect(JSON.stringify(formatSarif(blocked))).not.toContain('FAKEtokenForBatonTests');
  });
});

describe('formatMarkdown', () => {
  it('shows the status, a gate table, blockers, warnings and collapsible details', () => {
    const markdown = formatMarkdown(blocked);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## ❌ Release readiness: NOT READY');
    expect(lines).toContain('| Gate | Result | Actual | Threshold | Details |');
    expect(lines.find((line) => line.startsWith('| Security |'))).toMatch(
      /^\| Security \| ❌ fail \| 3 \| ≤ 0 \| 3 critical, 1 high/,
    );
    expect(lines.find((line) => line.startsWith('| Documentation |'))).toMatch(
      /^\| Documentation \| ⚠️ below threshold \| 50 \| ≥ 100 \| /,
    );
    expect(lines).toContain('### Blockers (2)');
    expect(lines).toContain('### Warnings (2)');
    expect(lines).toContain('<details><summary>Security findings, values redacted (4)</summary>');
    expect(lines).toContain(
      '| critical: secret/github-token | `src/publish.js:7` | GitHub token |',
    );
    expect(lines).toContain('<details><summary>Least-covered files (3)</summary>');
    expect(lines).toContain('<details><summary>Undocumented public API (3)</summary>');
    expect(lines).toContain('<details><summary>Agents (4)</summary>');
    expect(markdown.split('<details>').length).toBe(markdown.split('</details>').length);
    // The advisory range "<0.2.4" cannot open an HTML tag in the comment.
    expect(markdown).toContain('(&lt;0.2.4)');
  });
});
