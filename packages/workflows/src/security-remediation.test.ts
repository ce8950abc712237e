import { createProjectIndex } from '@baton/analyzers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../test/helpers.js';
import type { DebatedFinding } from './security-debate.js';
import { createLocationVerifier, type LocationVerifier } from './security-findings.js';
import { buildRemediationPlan, type OpenFinding } from './security-remediation.js';

let verify: LocationVerifier;
beforeAll(async () => {
  verify = createLocationVerifier(
    await createProjectIndex({ root: fixturePath('security-planted') }),
  );
});

function debated(id: string, status: 'confirmed' | 'disputed'): DebatedFinding {
  return {
    id,
    title: `finding ${id}`,
    severity: 'medium',
    cwe: null,
    location: { file: 'src/server.js', line: 7, code: 'const app = express();' },
    evidence: 'e',
    exploitScenario: 's',
    fix: 'f',
    reportedBy: [{ agentId: 'a', findingId: 'x', phase: 'audit' }],
    evidenceIds: [],
    status,
    votes: [
      { agentId: 'a', verdict: 'confirm', reason: 'reported it (phase 1)', byReporter: true },
      { agentId: 'b', verdict: 'dispute', reason: 'only a header', byReporter: false },
      ...(status === 'confirmed'
        ? [{ agentId: 'c', verdict: 'confirm' as const, reason: 'seen', byReporter: false }]
        : []),
    ],
    confirmations: status === 'confirmed' ? 2 : 1,
    disputes: 1,
  };
}

const open: OpenFinding[] = [
  { id: 'E-1', severity: 'critical', file: 'package.json' },
  { id: 'E-2', severity: 'high', file: 'src/server.js' },
  { id: 'A-1', severity: 'medium', file: 'src/server.js' },
];

const step = (findingIds: string[], ownerFile: string, effort = 'small') => ({
  findingIds,
  fix: `fix ${findingIds.join(' ')}`,
  ownerFile,
  effort,
});

describe('buildRemediationPlan', () => {
  it('orders steps by severity, keeps each finding once and lists the disputed ones apart with both sides', () => {
    const plan = buildRemediationPlan({
      answer: {
        summary: 'Three fixes.',
        items: [
          step(['A-1', 'A-2'], 'src/server.js', 'medium'),
          step(['E-1'], 'package.json'),
          step(['E-2', 'A-1', 'A-9'], 'src/handlers.js', 'large'),
          { findingIds: [], fix: 'nothing', ownerFile: 'x', effort: 'small' },
        ],
        disputedNotes: [{ findingId: 'A-2', note: 'Keep an eye on it.' }],
      },
      open,
      debated: [debated('A-1', 'confirmed'), debated('A-2', 'disputed')],
      verify,
    });
    expect(plan).toEqual({
      status: 'generated',
      summary: 'Three fixes.',
      items: [
        {
          priority: 1,
          findingIds: ['E-1'],
          severity: 'critical',
          fix: 'fix E-1',
          ownerFile: 'package.json',
          effort: 'small',
        },
        {
          priority: 2,
          findingIds: ['E-2'],
          severity: 'high',
          fix: 'fix E-2 A-1 A-9',
          ownerFile: 'src/server.js',
          effort: 'large',
        },
        {
          priority: 3,
          findingIds: ['A-1'],
          severity: 'medium',
          fix: 'fix A-1 A-2',
          ownerFile: 'src/server.js',
          effort: 'medium',
        },
      ],
      disputed: [
        {
          findingId: 'A-2',
          title: 'finding A-2',
          severity: 'medium',
          file: 'src/server.js',
          line: 7,
          confirmations: 1,
          disputes: 1,
          for: [{ agentId: 'a', reason: 'reported it (phase 1)' }],
          against: [{ agentId: 'b', reason: 'only a header' }],
          reviewerNote: 'Keep an eye on it.',
        },
      ],
      missing: [],
      notes: [
        'step 1: A-2 is disputed, listed apart',
        'step 3: A-1 is already in an earlier step',
        'step 3: unknown finding A-9 left out',
        'step 3: owner file src/handlers.js not found (src/handlers.js is not a file of the project); using src/server.js',
        'step 4 dropped: findingIds: must name at least one finding',
      ],
    });
  });

  it('names the open findings the plan leaves out', () => {
    const plan = buildRemediationPlan({
      answer: { summary: 'Partial.', items: [step(['E-1'], 'package.json')] },
      open,
      debated: [],
      verify,
    });
    expect(plan).toMatchObject({ status: 'generated', missing: ['E-2', 'A-1'] });
  });

  it('is not generated when the answer is not a plan', () => {
    expect(buildRemediationPlan({ answer: { findings: [] }, open, debated: [], verify })).toEqual({
      status: 'not-generated',
      reason:
        "the code reviewer's answer is not a remediation plan: answer.summary: is required; answer.items: is required",
      disputed: [],
    });
  });
});
