import { createProjectIndex, type ProjectIndex } from '@baton/analyzers';
import { ValidationError } from '@baton/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../test/helpers.js';
import {
  evaluateCompliance,
  parseSecurityDeepDiveConfig,
  resolveComplianceChecks,
} from './security-compliance.js';
import { collectSecurityEvidence, type SecurityEvidence } from './security-evidence.js';

let index: ProjectIndex;
let evidence: SecurityEvidence;
let unaudited: SecurityEvidence;
beforeAll(async () => {
  const root = fixturePath('security-planted');
  index = await createProjectIndex({ root });
  evidence = await collectSecurityEvidence({ root, index, auditFile: 'audit/npm-audit.json' });
  unaudited = await collectSecurityEvidence({ root, index });
});

function errorOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('the securityDeepDive section of baton.config.json', () => {
  it('names the file and the field of every mistake', () => {
    const error = errorOf(() =>
      parseSecurityDeepDiveConfig({
        auditFile: '',
        agentTimeoutSeconds: -1,
        colour: 'red',
        compliance: {
          disable: ['no-such-check'],
          checks: [
            { id: 'No Eval', name: 'x', kind: 'forbid-rules', rules: ['js/dynamic-eval'] },
            { id: 'md5', name: 'No MD5', kind: 'forbid-pattern', pattern: 'createHash(' },
            { id: 'policy', name: 'Policy', kind: 'require-fil', path: 'SECURITY.md' },
            { id: 'no-secrets', name: 'Mine', kind: 'max-severity', severity: 'high' },
          ],
        },
      }),
    );
    expect(error.issues.map((issue) => issue.field)).toEqual([
      'baton.config.json securityDeepDive.compliance.disable.0',
      'baton.config.json securityDeepDive.compliance.checks.0.id',
      'baton.config.json securityDeepDive.compliance.checks.1.pattern',
      'baton.config.json securityDeepDive.compliance.checks.2.kind',
      'baton.config.json securityDeepDive.auditFile',
      'baton.config.json securityDeepDive.agentTimeoutSeconds',
      'baton.config.json securityDeepDive',
    ]);
    expect(error.message).toContain(
      'compliance.checks.1.pattern: is not a valid regular expression',
    );
    expect(error.message).toContain('colour');
  });

  it('refuses a user check with the id of a built-in one or a repeated id', () => {
    const error = errorOf(() =>
      resolveComplianceChecks({
        checks: [
          { id: 'no-secrets', name: 'Mine', kind: 'max-severity', severity: 'high' },
          { id: 'policy', name: 'A', kind: 'require-file', path: 'SECURITY.md' },
          { id: 'policy', name: 'B', kind: 'require-file', path: 'SECURITY.txt' },
        ],
      }),
    );
    expect(error.issues).toEqual([
      {
        field: 'compliance.checks.0.id',
        message: '"no-secrets" is a built-in check (disable it and pick another id)',
      },
      { field: 'compliance.checks.2.id', message: '"policy" is given twice' },
    ]);
  });
});

describe('evaluateCompliance', () => {
  it('fails the built-in checks on the planted project, each with its evidence', () => {
    const results = evaluateCompliance({ checks: resolveComplianceChecks(), evidence, index });
    expect(results.map((result) => [result.id, result.status, result.evidenceCount])).toEqual([
      ['no-secrets', 'fail', 1],
      ['tls-verification', 'fail', 1],
      ['no-critical-advisories', 'fail', 1],
      ['no-request-input-in-dangerous-sinks', 'fail', 2],
      ['secure-auth-settings', 'pass', 0],
    ]);
    expect(results[0]!.evidence).toEqual([
      {
        file: 'src/config.js',
        line: 2,
        text: "secret/aws-access-key-id: AWS access key id — export const awsAccessKeyId = 'AKIA****************';",
      },
    ]);
    expect(results[2]).toMatchObject({
      summary: '1 advisory at or above critical in audit/npm-audit.json',
      evidence: [
        {
          file: null,
          line: null,
          text: 'critical minimist: Prototype Pollution in minimist (GHSA-xvch-5gv4-984h)',
        },
      ],
    });
  });

  it('says a check could not be made instead of passing it', () => {
    const results = evaluateCompliance({
      checks: resolveComplianceChecks(),
      evidence: unaudited,
      index,
    });
    expect(results.find((result) => result.id === 'no-critical-advisories')).toMatchObject({
      status: 'unknown',
      summary:
        'not checked: dependency advisories not checked (dependency audit not requested (use runAudit or auditFile))',
    });
  });

  it('runs user checks: disabled built-ins, rules, severities, patterns and required files', () => {
    const checks = resolveComplianceChecks({
      disable: [
        'no-secrets',
        'tls-verification',
        'no-critical-advisories',
        'no-request-input-in-dangerous-sinks',
      ],
      checks: [
        { id: 'no-eval', name: 'No eval', kind: 'forbid-rules', rules: ['js/dynamic-eval'] },
        { id: 'at-most-high', name: 'Nothing critical', kind: 'max-severity', severity: 'high' },
        {
          id: 'no-exec-import',
          name: 'No exec',
          kind: 'forbid-pattern',
          pattern: 'import \\{ exec \\}',
          paths: ['src/'],
        },
        { id: 'policy', name: 'Security policy', kind: 'require-file', path: 'SECURITY.md' },
        { id: 'manifest', name: 'Manifest', kind: 'require-file', path: 'package.json' },
      ],
    });
    const results = evaluateCompliance({ checks, evidence, index });
    expect(
      results.map((result) => [result.id, result.builtIn, result.status, result.summary]),
    ).toEqual([
      [
        'secure-auth-settings',
        true,
        'pass',
        'no finding of auth/cors-*, auth/jwt-*, auth/insecure-cookie, config/debug-mode-enabled in 4 files',
      ],
      ['no-eval', false, 'pass', 'no finding of js/dynamic-eval in 4 files'],
      ['at-most-high', false, 'fail', '4 findings above high'],
      ['no-exec-import', false, 'fail', '1 line match /import \\{ exec \\}/'],
      ['policy', false, 'fail', 'SECURITY.md is missing'],
      ['manifest', false, 'pass', 'package.json is present'],
    ]);
    expect(results[3]!.evidence).toEqual([
      { file: 'src/server.js', line: 1, text: "import { exec } from 'node:child_process';" },
    ]);
  });
});
