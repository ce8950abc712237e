import { describe, expect, it } from 'vitest';
import { decideFindings } from './security-debate.js';
import type { DeepDiveFinding } from './security-findings.js';

function finding(id: string, reporters: string[]): DeepDiveFinding {
  return {
    id,
    title: `finding ${id}`,
    severity: 'high',
    cwe: null,
    location: { file: 'src/app.js', line: 1, code: 'const x = 1;' },
    evidence: 'e',
    exploitScenario: 's',
    fix: 'f',
    reportedBy: reporters.map((agentId) => ({ agentId, findingId: id, phase: 'audit' as const })),
    evidenceIds: [],
  };
}

const confirm = (findingId: string) => ({ findingId, verdict: 'confirm', reason: 'seen it' });
const dispute = (findingId: string, reason = 'not reachable') => ({
  findingId,
  verdict: 'dispute',
  reason,
});

describe('decideFindings', () => {
  it('confirms by strict majority of the auditors who voted, the reporter counting as a confirmation', () => {
    const { findings } = decideFindings(
      [finding('A-1', ['a']), finding('A-2', ['a']), finding('A-3', ['a', 'b'])],
      [
        { agentId: 'b', votes: [confirm('A-1'), dispute('A-2')] },
        { agentId: 'c', votes: [dispute('A-1'), dispute('A-2', 'wrong line'), dispute('A-3')] },
      ],
    );
    expect(
      findings.map((item) => [item.id, item.status, item.confirmations, item.disputes]),
    ).toEqual([
      ['A-1', 'confirmed', 2, 1],
      ['A-2', 'disputed', 1, 2],
      ['A-3', 'confirmed', 2, 1],
    ]);
    expect(findings[1]!.votes).toEqual([
      { agentId: 'a', verdict: 'confirm', reason: 'reported it (phase 1)', byReporter: true },
      { agentId: 'b', verdict: 'dispute', reason: 'not reachable', byReporter: false },
      { agentId: 'c', verdict: 'dispute', reason: 'wrong line', byReporter: false },
    ]);
  });

  it('treats a tie as disputed (1 of 2 is not a strict majority)', () => {
    const { findings } = decideFindings(
      [finding('A-1', ['a'])],
      [{ agentId: 'b', votes: [dispute('A-1')] }],
    );
    expect(findings[0]).toMatchObject({ status: 'disputed', confirmations: 1, disputes: 1 });
  });

  it('ignores votes on unknown ids, on the voter’s own finding, repeated votes and disputes without a reason', () => {
    const { findings, notes } = decideFindings(
      [finding('A-1', ['a']), finding('A-2', ['b'])],
      [
        {
          agentId: 'b',
          votes: [
            confirm('A-9'),
            dispute('A-2'),
            dispute('A-1'),
            confirm('A-1'),
            { findingId: 'A-1', verdict: 'dispute' },
            'yes',
          ],
        },
      ],
    );
    expect(findings.map((item) => [item.id, item.status, item.votes.length])).toEqual([
      ['A-1', 'disputed', 2],
      ['A-2', 'confirmed', 1],
    ]);
    expect(notes).toEqual([
      'b: vote on unknown finding "A-9" ignored',
      'b: second vote on A-1 ignored',
      'b: vote 5 ignored (reason: a dispute needs a reason)',
      'b: vote 6 ignored ((input): Invalid input: expected object, received string)',
    ]);
  });
});
