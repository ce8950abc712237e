import { redactSecrets } from '@baton/analyzers';
import type { AgentResult } from '@baton/core';
import { debateConsensus } from '@baton/strategies';
import { z } from 'zod';
import { debateVoteSchema, parseAnswerPart } from './security-answers.js';
import { type DeepDiveFinding, deepDiveFindingSchema } from './security-findings.js';

/** One auditor's vote on a finding. */
export const findingVoteSchema = z.object({
  agentId: z.string(),
  verdict: z.enum(['confirm', 'dispute']),
  /** The auditor's reason (for its own findings: that it reported them). */
  reason: z.string(),
  /** True for the vote an auditor casts by reporting the finding itself. */
  byReporter: z.boolean(),
});
/** One auditor's vote on a finding. */
export type FindingVote = z.output<typeof findingVoteSchema>;

/** A finding after the debate: its votes and the status the majority decided. */
export const debatedFindingSchema = deepDiveFindingSchema.extend({
  /**
   * `confirmed` when a strict majority of the auditors who voted on it confirmed it
   * (confirmations > voters / 2, the debate strategy's consensus), `disputed` otherwise.
   */
  status: z.enum(['confirmed', 'disputed']),
  /** Every vote: the reporters' own, then the other auditors' in the order they answered. */
  votes: z.array(findingVoteSchema),
  confirmations: z.number().int(),
  disputes: z.number().int(),
});
/** A finding after the debate. */
export type DebatedFinding = z.output<typeof debatedFindingSchema>;

/** The raw votes one auditor cast in phase 2. */
export interface AuditorBallot {
  agentId: string;
  votes: readonly unknown[];
}

/**
 * Counts the debate: an auditor's reported findings count as its confirmations; each other
 * auditor's first vote on a finding counts once (a vote on an unknown id, on its own finding,
 * or a repeated vote is ignored and said so in `notes`). A finding is confirmed by a strict
 * majority of the auditors who voted on it, the rule of `debateConsensus` in
 * `@baton/strategies`; a tie is disputed.
 *
 * @example
 * ```ts
 * const { findings } = decideFindings(merged, [{ agentId: 'security_auditor__compliance', votes }]);
 * findings.filter((finding) => finding.status === 'confirmed');
 * ```
 */
export function decideFindings(
  findings: readonly DeepDiveFinding[],
  ballots: readonly AuditorBallot[],
): { findings: DebatedFinding[]; notes: string[] } {
  const notes: string[] = [];
  const votes = new Map<string, FindingVote[]>(
    findings.map((finding) => [
      finding.id,
      finding.reportedBy.map((reporter) => ({
        agentId: reporter.agentId,
        verdict: 'confirm' as const,
        reason: `reported it (${reporter.phase === 'audit' ? 'phase 1' : 'added in the debate'})`,
        byReporter: true,
      })),
    ]),
  );
  for (const ballot of ballots) {
    for (const [position, raw] of ballot.votes.entries()) {
      const parsed = parseAnswerPart(debateVoteSchema, raw);
      if (!parsed.success) {
        notes.push(`${ballot.agentId}: vote ${position + 1} ignored (${parsed.error})`);
        continue;
      }
      const vote = parsed.data;
      const cast = votes.get(vote.findingId);
      if (cast === undefined) {
        notes.push(`${ballot.agentId}: vote on unknown finding "${vote.findingId}" ignored`);
        continue;
      }
      const earlier = cast.find((item) => item.agentId === ballot.agentId);
      if (earlier !== undefined) {
        if (!earlier.byReporter) {
          notes.push(`${ballot.agentId}: second vote on ${vote.findingId} ignored`);
        }
        continue;
      }
      cast.push({
        agentId: ballot.agentId,
        verdict: vote.verdict,
        reason: redactSecrets(vote.reason),
        byReporter: false,
      });
    }
  }
  return {
    findings: findings.map((finding) => {
      const cast = votes.get(finding.id)!;
      const consensus = debateConsensus(cast.map(asOpinion));
      return {
        ...finding,
        status: consensus.consensusReached ? 'confirmed' : 'disputed',
        votes: cast,
        confirmations: consensus.successVotes,
        disputes: consensus.totalVotes - consensus.successVotes,
      };
    }),
    notes,
  };
}

/** A vote as the opinion `debateConsensus` counts: a confirmation is a successful opinion. */
function asOpinion(vote: FindingVote): AgentResult {
  return {
    agentId: vote.agentId,
    success: vote.verdict === 'confirm',
    output: vote.reason,
    confidence: null,
    durationSeconds: 0,
    error: vote.verdict === 'confirm' ? '' : vote.reason,
  };
}
