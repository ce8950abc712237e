import { createProjectIndex } from '@baton/analyzers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../test/helpers.js';
import { collectSecurityEvidence, type SecurityEvidence } from './security-evidence.js';
import {
  createLocationVerifier,
  type LocationVerifier,
  mergeAuditorFindings,
} from './security-findings.js';

const ROOT = fixturePath('security-planted');
let verify: LocationVerifier;
let evidence: SecurityEvidence;

beforeAll(async () => {
  const index = await createProjectIndex({ root: ROOT });
  verify = createLocationVerifier(index);
  evidence = await collectSecurityEvidence({ root: ROOT, index });
});

function finding(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'V1',
    title: 'Command injection in /thumbnail',
    severity: 'critical',
    cwe: 'CWE-78',
    file: 'src/server.js',
    line: 12,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: quoted source code of the fixture
    evidence: 'exec(`convert uploads/${req.query.file} ...`)',
    exploitScenario: 'GET /thumbnail?file=x;rm -rf / runs rm on the server',
    fix: 'Use execFile with an argument list and validate the file name',
    ...overrides,
  };
}

describe('createLocationVerifier', () => {
  it('accepts a line of a project file, in any of the spellings models use', () => {
    for (const file of [
      'src/server.js',
      './src/server.js',
      `${ROOT}/src/server.js`,
      'src\\server.js',
      'src/server.js:12',
    ]) {
      const check = verify(file, 12);
      expect(check).toEqual({
        ok: true,
        location: {
          file: 'src/server.js',
          line: 12,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: quoted source code of the fixture
          code: 'exec(`convert uploads/${req.query.file} -resize 64x64 thumbnails/out.png`, (error) => {',
        },
      });
    }
  });

  it('refuses lines past the end, files outside the project and files it does not have', () => {
    expect(verify('src/server.js', 400)).toEqual({
      ok: false,
      reason: 'line 400 does not exist in src/server.js (31 lines)',
    });
    expect(verify('src/server.js', 0)).toMatchObject({ ok: false });
    expect(verify('../../helpers.ts', 1)).toEqual({
      ok: false,
      reason: '../../helpers.ts is not inside the project',
    });
    expect(verify('src/routes.js', 3)).toEqual({
      ok: false,
      reason: 'src/routes.js is not a file of the project',
    });
  });

  it('redacts secrets in the line it returns', () => {
    const check = verify('src/config.js', 2);
    expect(check).toEqual({
      ok: true,
      location: {
        file: 'src/config.js',
        line: 2,
        code: "export const awsAccessKeyId = 'AKIA****************';",
      },
    });
  });
});

describe('mergeAuditorFindings', () => {
  it('merges the same file, line and CWE across auditors, keeping the most severe severity', () => {
    const { findings, rejected } = mergeAuditorFindings({
      answers: [
        { agentId: 'a', phase: 'audit', findings: [finding({ severity: 'high' })] },
        {
          agentId: 'b',
          phase: 'audit',
          findings: [finding({ id: 'T7', cwe: '78', title: 'Shell injection' })],
        },
        { agentId: 'c', phase: 'audit', findings: [finding({ id: 'C1', cwe: null })] },
      ],
      verify,
      evidence: evidence.findings,
    });
    expect(rejected).toEqual([]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      id: 'A-1',
      title: 'Command injection in /thumbnail',
      severity: 'critical',
      cwe: 'CWE-78',
      location: { file: 'src/server.js', line: 12 },
      reportedBy: [
        { agentId: 'a', findingId: 'V1', phase: 'audit' },
        { agentId: 'b', findingId: 'T7', phase: 'audit' },
        { agentId: 'c', findingId: 'C1', phase: 'audit' },
      ],
    });
    // The measured findings at the same line: the shell-string pattern and the request-input flow.
    const measured = evidence.findings.filter((item) => findings[0]!.evidenceIds.includes(item.id));
    expect(measured.map((item) => item.ruleId).sort()).toEqual([
      'js/shell-command-from-string',
      'surface/command-injection',
    ]);
  });

  it('keeps different CWEs at one line apart and numbers findings after the existing ones', () => {
    const first = mergeAuditorFindings({
      answers: [{ agentId: 'a', phase: 'audit', findings: [finding()] }],
      verify,
      evidence: [],
    });
    const second = mergeAuditorFindings({
      answers: [
        {
          agentId: 'b',
          phase: 'debate',
          findings: [finding({ id: 'X', cwe: 'CWE-400', title: 'No rate limit' })],
        },
      ],
      verify,
      evidence: [],
      existing: first.findings,
    });
    expect(second.findings.map((item) => [item.id, item.cwe, item.reportedBy[0]!.phase])).toEqual([
      ['A-1', 'CWE-78', 'audit'],
      ['A-2', 'CWE-400', 'debate'],
    ]);
  });

  it('rejects an invented line and a malformed finding with the reason, and keeps the rest', () => {
    const { findings, rejected } = mergeAuditorFindings({
      answers: [
        {
          agentId: 'a',
          phase: 'audit',
          findings: [
            finding({ id: 'V2', line: 400, title: 'SQL injection in the orders query' }),
            finding({ id: 'V3', line: '12', cwe: 'injection' }),
            finding(),
          ],
        },
      ],
      verify,
      evidence: [],
    });
    expect(findings.map((item) => item.id)).toEqual(['A-1']);
    expect(rejected).toEqual([
      {
        agentId: 'a',
        phase: 'audit',
        findingId: 'V2',
        title: 'SQL injection in the orders query',
        claimedLocation: 'src/server.js:400',
        reason: 'location not verified: line 400 does not exist in src/server.js (31 lines)',
      },
      {
        agentId: 'a',
        phase: 'audit',
        findingId: 'V3',
        title: 'Command injection in /thumbnail',
        claimedLocation: 'src/server.js:12',
        reason: expect.stringMatching(/^not a finding: cwe: must be a CWE id .*; line: /),
      },
    ]);
  });

  it('redacts secrets in everything an auditor wrote', () => {
    const key = `${'AKIA'}FAKEBATONTEST7Q2`;
    const { findings } = mergeAuditorFindings({
      answers: [
        {
          agentId: 'a',
          phase: 'audit',
          findings: [
            finding({
              file: 'src/config.js',
              line: 2,
              cwe: 'CWE-798',
              title: `Hard-coded key ${key}`,
              evidence: `awsAccessKeyId = '${key}'`,
              fix: `Remove ${key} and rotate it`,
            }),
          ],
        },
      ],
      verify,
      evidence: [],
    });
    expect(JSON.stringify(findings)).not.toContain(key);
    expect(findings[0]!.title).toBe('Hard-coded key AKIA****************');
  });
});
