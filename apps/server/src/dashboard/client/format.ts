import type { RunEvent } from '@baton/core';
import { formatUsd } from '@baton/core/format';
import type { RunReport, TaskInfo } from '@baton/sdk';

/** What the page shows where the API reports no figure. */
export const UNKNOWN = 'unknown';

/** US dollars as the CLI shows them (never `$0.0000` for a cost); `unknown` for null. */
export const usd = formatUsd;

/** A count with thousands separators; `unknown` for null. */
export function count(value: number | null | undefined): string {
  return typeof value === 'number' ? value.toLocaleString('en-US') : UNKNOWN;
}

/** A 0..1 rate as a percentage with at most one decimal; `unknown` for null. */
export function rate(value: number | null | undefined): string {
  return typeof value === 'number' ? `${Number((value * 100).toFixed(1))}%` : UNKNOWN;
}

/** A time of day from an ISO time; `-` when there is none yet. */
export function clock(iso: string | null | undefined): string {
  if (typeof iso !== 'string') return '-';
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleTimeString('en-GB');
}

/** Measured spend and what was not measured. */
export interface SpendFacts {
  tokens: number;
  costUsd: number;
  /** Attempts with usage but no price: the cost is then unknown. */
  unpriced: number;
  /** Attempts that reported no usage: tokens and cost are then unknown. */
  unmeasured: number;
}

/** Tokens and cost as text: `unknown (at least ...)` when part of it was not measured or priced. */
export function spendText(facts: SpendFacts): { tokens: string; cost: string } {
  return {
    tokens:
      facts.unmeasured > 0
        ? `${UNKNOWN} (at least ${count(facts.tokens)} measured)`
        : count(facts.tokens),
    cost:
      facts.unmeasured + facts.unpriced > 0
        ? `${UNKNOWN} (at least ${usd(facts.costUsd)} priced)`
        : usd(facts.costUsd),
  };
}

/** The run report of a finished `run` task, when its result is one. */
export function runReportOf(task: TaskInfo): RunReport | undefined {
  const result = task.result as Partial<RunReport> | null | undefined;
  return typeof result?.totals === 'object' && Array.isArray(result.agents)
    ? (result as RunReport)
    : undefined;
}

/**
 * A task's spend: its run report's totals once it has one, else what its events measured so
 * far, else the task's own figures; `-` before anything ran.
 */
export function taskSpend(
  task: TaskInfo,
  events: readonly RunEvent[],
): { tokens: string; cost: string } {
  const totals = runReportOf(task)?.totals;
  if (totals !== undefined) {
    return spendText({
      tokens: totals.totalTokens,
      costUsd: totals.pricedCostUsd,
      unpriced: totals.unpricedAttempts,
      unmeasured: totals.unmeasuredAttempts,
    });
  }
  const measured = eventSpend(events);
  if (measured !== undefined) return spendText(measured);
  if (task.spend === null)
    return task.status === 'queued'
      ? { tokens: '-', cost: '-' }
      : { tokens: UNKNOWN, cost: UNKNOWN };
  return { tokens: count(task.spend.tokens), cost: `${usd(task.spend.costUsd)} priced so far` };
}

/** Spend from a run's events: the latest run totals, with every unpriced or unmeasured attempt seen. */
export function eventSpend(events: readonly RunEvent[]): SpendFacts | undefined {
  let facts: SpendFacts | undefined;
  let unpriced = 0;
  let unmeasured = 0;
  for (const event of events) {
    if (event.type === 'step-usage') {
      if (event.usage.costUsd === undefined) unpriced += 1;
      facts = { tokens: event.runTokens, costUsd: event.runCostUsd, unpriced, unmeasured };
    } else if (event.type === 'step-end') {
      unmeasured += event.attempts.filter((attempt) => attempt.usage === undefined).length;
      if (facts !== undefined) facts = { ...facts, unmeasured };
    } else if (event.type === 'run-end') {
      facts = {
        tokens: event.spend.totalTokens,
        costUsd: event.spend.costUsd,
        unpriced: event.spend.unpricedAttempts,
        unmeasured: event.spend.unmeasuredAttempts,
      };
      unpriced = facts.unpriced;
      unmeasured = facts.unmeasured;
    }
  }
  return facts;
}

/** Usage of a step's attempts as the run record keeps them. */
export function attemptsSpend(
  attempts: ReadonlyArray<{
    usage?: { inputTokens: number; outputTokens: number; costUsd?: number | undefined } | undefined;
  }>,
): { tokens: string; cost: string } {
  const facts: SpendFacts = { tokens: 0, costUsd: 0, unpriced: 0, unmeasured: 0 };
  for (const { usage } of attempts) {
    if (usage === undefined) {
      facts.unmeasured += 1;
      continue;
    }
    facts.tokens += usage.inputTokens + usage.outputTokens;
    if (usage.costUsd === undefined) facts.unpriced += 1;
    else facts.costUsd += usage.costUsd;
  }
  return spendText(facts);
}

/** One line of a run's log. */
export function eventLine(event: RunEvent): string {
  const step = event.stepId === undefined ? '' : ` ${event.stepId}`;
  switch (event.type) {
    case 'run-start':
      return `run ${event.resumed ? 'resumed' : 'started'}: ${event.totalSteps} steps`;
    case 'state-change':
      return `state ${event.from} -> ${event.to} (${event.trigger})`;
    case 'phase-start':
      return `phase ${event.phase}`;
    case 'step-start':
      return `step${step} started${event.tier === undefined ? '' : ` [${event.tier}]`}${event.via === 'primary' ? '' : ` via ${event.via}`}`;
    case 'step-usage':
      return `step${step} used ${count(event.usage.inputTokens + event.usage.outputTokens)} tokens, cost ${usd(event.usage.costUsd)}`;
    case 'step-retry':
      return `step${step} retry ${event.attempt} in ${event.delayMs} ms: ${event.error}`;
    case 'step-fallback':
      return `step${step} falls back from ${event.from} to ${event.to}: ${event.error}`;
    case 'step-end':
      return `step${step} ${event.status}${event.result?.error ? `: ${event.result.error}` : ''} (${event.progress.percent}%)`;
    case 'decision-pending':
      return `decision ${event.decision.id} (${event.decision.kind}) pending: ${event.decision.reason}`;
    case 'decision-resolved':
      return `decision ${event.decision.id} ${event.decision.status}${event.decision.note ? `: ${event.decision.note}` : ''}`;
    case 'budget-exceeded':
      return `budget ${event.limit} reached: ${event.message}`;
    case 'run-notice':
      return `note: ${event.message}`;
    case 'run-end':
      return `run ${event.status} after ${event.durationSeconds.toFixed(1)} s${event.error ? `: ${event.error}` : ''}`;
  }
}
