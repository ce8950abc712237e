import { describe, expect, it } from 'vitest';
import type { ComplianceResult } from './security-compliance.js';
import type { DebatedFinding } from './security-debate.js';
import type { EvidenceFinding, SecurityEvidence } from './security-evidence.js';
import { judgeSecurityDeepDive, openCriticalFindings } from './security-gates.js';

function measured(
  id: string,
  severity: EvidenceFinding['severity'],
  line: number,
  testFixture = false,
): EvidenceFinding {
  return {
    id,
    ruleId: 'surface/command-injection',
    category: 'code',
    severity,
    file: 'src/app.js',
    line,
    message: 'm',
    testFixture,
    cwe: 'CWE-78',
    analysis: 'attack-surface',
  };
}

function auditor(id: string, line: number, status: DebatedFinding['status']): DebatedFinding {
  return {
    id,
    title: `auditor ${id}`,
    severity: 'critical',
    cwe: 'CWE-78',
    location: { file: 'src/app.js', line, code: '' },
    evidence: '',
    exploitScenario: '',
    fix: '',
    reportedBy: [],
    evidenceIds: [],
    status,
    votes: [],
    confirmations: 0,
    disputes: 0,
  };
}

function evidenceWith(findings: EvidenceFinding[]): SecurityEvidence {
  return { findings } as unknown as SecurityEvidence;
}

const check = (status: ComplianceResult['status']): ComplianceResult => ({
  id: `check-${status}`,
  name: `Check ${status}`,
  kind: 'advisories',
  builtIn: true,
  status,
  summary: status === 'unknown' ? 'not checked: advisories unavailable (HTTP 405)' : 'ok',
  evidence: [],
  evidenceCount: 0,
});

describe('openCriticalFindings', () => {
  it('counts measured criticals outside test code and confirmed auditor criticals no measured one covers', () => {
    const critical = openCriticalFindings({
      evidence: evidenceWith([
        measured('E-1', 'critical', 5),
        measured('E-2', 'critical', 9, true),
        measured('E-3', 'high', 12),
      ]),
      findings: [
        auditor('A-1', 5, 'confirmed'),
        auditor('A-2', 12, 'confirmed'),
        auditor('A-3', 20, 'disputed'),
      ],
    });
    expect(critical.map((item) => `${item.id} ${item.where}`)).toEqual([
      'E-1 src/app.js:5',
      'A-2 src/app.js:12',
    ]);
  });
});

describe('judgeSecurityDeepDive', () => {
  it('blocks on failed compliance, warns on checks it could not make and on a missing plan', () => {
    const verdict = judgeSecurityDeepDive({
      evidence: evidenceWith([]),
      findings: [auditor('A-1', 3, 'disputed')],
      compliance: [check('pass'), check('fail'), check('unknown')],
      plan: { status: 'not-generated', reason: 'the code reviewer failed', disputed: [] },
    });
    expect(verdict.gates.map((gate) => [gate.name, gate.actual, gate.passed])).toEqual([
      ['Critical Findings', 0, true],
      ['Compliance', 1, false],
      ['Remediation Plan', null, false],
    ]);
    expect(verdict.approved).toBe(false);
    expect(verdict.blockers).toEqual([
      'Compliance: 1 of 3 checks passed; failed: Check fail; not verified: Check unknown',
    ]);
    expect(verdict.warnings).toEqual([
      'Compliance check "Check unknown" not checked: advisories unavailable (HTTP 405)',
      '1 auditor finding is disputed (no majority), listed apart: A-1',
      'Remediation Plan: not generated: the code reviewer failed',
    ]);
  });
});
