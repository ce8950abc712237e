import { type RunReport, usd } from '@baton/sdk';
import { formatTable } from '../io.js';

const count = (value: number | null): string => (value === null ? 'unknown' : String(value));

/** The report as text for a person. */
export function formatRunReport(report: RunReport): string {
  const lines: string[] = [];
  const verdict = report.success ? 'SUCCEEDED' : report.status.toUpperCase();
  lines.push(`Run ${report.runId}: ${verdict} in ${report.durationSeconds.toFixed(1)}s`);
  if (report.task !== null) lines.push(`Task: ${report.task}`);
  const composition = report.composition;
  if (composition !== null) {
    lines.push(
      `Composition: ${String(composition.decision)} ${String(composition.compositionId)} (${String(composition.reason)})`,
    );
  }
  if (report.plan !== null) {
    lines.push(
      `Plan: ${report.plan.source === 'planner-model' ? 'planner model' : 'heuristic'} (${report.plan.reason})`,
    );
  }
  if (report.strategy !== null) lines.push(`Strategy: ${report.strategy}`);
  lines.push('');
  lines.push(
    formatTable(
      ['AGENT', 'STATUS', 'TIER', 'DURATION', 'TOKENS', 'COST', 'CONFIDENCE'],
      report.agents.map((agent) => [
        agent.agentId,
        agent.reason === null ? agent.status : `${agent.status} (${agent.reason})`,
        agent.tier ?? 'unknown',
        agent.durationSeconds === null ? '-' : `${agent.durationSeconds.toFixed(1)}s`,
        agent.attempts === 0 ? '-' : count(agent.totalTokens),
        agent.attempts === 0 ? '-' : usd(agent.costUsd),
        agent.confidence === null ? '-' : agent.confidence.toFixed(2),
      ]),
    ),
  );
  const totals = report.totals;
  lines.push('');
  lines.push(
    `Total: ${totals.agents} agent run(s), ${totals.unmeasuredAttempts > 0 ? `tokens unknown (at least ${totals.totalTokens} measured)` : `${totals.totalTokens} tokens (${totals.inputTokens} in, ${totals.outputTokens} out)`}, cost ${totals.costUsd === null ? `unknown (at least ${usd(totals.pricedCostUsd)} priced)` : usd(totals.costUsd)}`,
  );
  for (const note of totals.notes) lines.push(`  note: ${note}`);
  const results = report.agents.filter((agent) => agent.summary !== null || agent.error !== null);
  if (results.length > 0) {
    lines.push('', 'Results:');
    for (const agent of results) {
      // A failed agent's reason comes first: its text (e.g. an answer that did not parse) is not
      // a result.
      const text =
        agent.error !== null
          ? `error: ${agent.error}${agent.summary === null ? '' : ` (answer: ${agent.summary})`}`
          : (agent.summary ?? '');
      lines.push(`  ${agent.agentId}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
  }
  if (report.budgetStop !== null) {
    const stop = report.budgetStop;
    lines.push(
      '',
      `Budget: ${String(stop.limit)} ${String(stop.max)} reached (committed ${String(stop.committed)}, next step ${stop.needed === undefined ? 'needs an amount not known in advance' : `needed ${String(stop.needed)}`}); partial results above`,
    );
  }
  if (report.error !== null) lines.push('', `Error: ${report.error}`);
  if (report.notices.length > 0) {
    lines.push('', 'Notices:');
    for (const notice of report.notices) lines.push(`  ${notice}`);
  }
  if (report.pendingDecisions.length > 0) {
    lines.push('', 'Pending decisions:');
    for (const decision of report.pendingDecisions) {
      lines.push(`  ${decision.id}  ${decision.kind}  step ${decision.stepId}: ${decision.reason}`);
    }
  }
  if (report.outcome !== null) {
    const outcome = report.outcome;
    lines.push(
      '',
      outcome.recorded
        ? `Recorded: composition ${outcome.compositionId} now ${((outcome.successRate ?? 0) * 100).toFixed(0)}% success over ${outcome.usageCount} run(s) (quality ${outcome.qualityScore})`
        : `Not recorded in the composition store: ${outcome.note ?? 'unknown reason'}`,
    );
  }
  lines.push(`Run files: ${report.runDir}`);
  if (report.eventsFile !== null) lines.push(`Events: ${report.eventsFile}`);
  if (report.next.length > 0) {
    lines.push('', 'Next:');
    for (const command of report.next) lines.push(`  ${command}`);
  }
  return lines.join('\n');
}
