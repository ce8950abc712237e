import {
  type Decision,
  formatUsd,
  type RunResult,
  type SpendTotals,
  type TaskGraph,
} from '@baton/core';
import type { OutcomeRecord } from './composition.js';
import type { PlanChoice } from './decompose.js';

/** One agent step in the report. Unknown figures are `null`, with the reason in `notes`. */
export interface AgentReport {
  stepId: string;
  agentId: string;
  status: string;
  /** Why it failed or was skipped. */
  reason: string | null;
  /** The tier it last ran at (a fallback may have moved it up). */
  tier: string | null;
  /** `primary` or the fallback it ran on. */
  via: string | null;
  /**
   * The coding-agent CLI of the chain that answered (the last one tried when every CLI failed);
   * null when a model provider or an executor given in code ran the agent.
   */
  answeredBy: string | null;
  attempts: number;
  durationSeconds: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  costUsd: number | null;
  confidence: number | null;
  model: string | null;
  /** The agent's summary, when its answer had one. */
  summary: string | null;
  error: string | null;
  notes: string[];
}

/** Totals measured from the usage the agents reported. */
export interface TotalsReport {
  agents: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Null when some attempt's usage had no price or no usage was reported at all. */
  costUsd: number | null;
  /** Sum of the priced attempts (a lower bound when `costUsd` is null). */
  pricedCostUsd: number;
  unpricedAttempts: number;
  unmeasuredAttempts: number;
  notes: string[];
}

/** What `baton run` prints (as text or `--json`). */
export interface RunReport {
  runId: string;
  status: string;
  success: boolean;
  task: string | null;
  strategy: string | null;
  composition: Record<string, unknown> | null;
  /**
   * With `--decompose`: whether the planner model's graph or the heuristic plan ran and why,
   * with the planner call's measured usage (not part of `totals`, which are the agents').
   */
  plan: PlanChoice | null;
  agents: AgentReport[];
  totals: TotalsReport;
  budget: Record<string, number>;
  budgetStop: Record<string, unknown> | null;
  pendingDecisions: Array<Pick<Decision, 'id' | 'stepId' | 'kind' | 'reason'>>;
  outcome: OutcomeRecord | null;
  /**
   * What the run said a person should know that is not a failure: a call repeated on another
   * worker after its worker died, a leftover agent process ended, a record that could not be read.
   */
  notices: string[];
  durationSeconds: number;
  error: string | null;
  runDir: string;
  eventsFile: string | null;
  /** What to do next (resume, decide), as commands. */
  next: string[];
}

function totalsNotes(totals: SpendTotals): string[] {
  const notes: string[] = [];
  if (totals.unmeasuredAttempts > 0)
    notes.push(
      `${totals.unmeasuredAttempts} attempt(s) reported no token usage: their tokens and cost are unknown`,
    );
  if (totals.unpricedAttempts > 0)
    notes.push(
      `${totals.unpricedAttempts} attempt(s) used a model without a known price: their cost is unknown`,
    );
  return notes;
}

function outputField(output: unknown, field: string): unknown {
  return typeof output === 'object' && output !== null
    ? (output as Record<string, unknown>)[field]
    : undefined;
}

/** A run's cost in USD when every attempt's usage was measured and priced (0 with no agent run), else null. */
export function measuredCostUsd(total: SpendTotals): number | null {
  if (total.agents === 0) return 0;
  return total.unmeasuredAttempts === 0 && total.unpricedAttempts === 0 ? total.costUsd : null;
}

/** Builds the report of a stopped run from its result, its graph and the records around it. */
export function buildRunReport(options: {
  result: RunResult;
  graph: TaskGraph;
  budget: Record<string, number>;
  composition: Record<string, unknown> | null;
  outcome: OutcomeRecord | null;
  plan?: PlanChoice | null;
  runDir: string;
  eventsFile: string | null;
  cliName?: string;
}): RunReport {
  const { result, graph } = options;
  const agents: AgentReport[] = [];
  for (const step of graph.steps) {
    if (step.kind !== 'agent') continue;
    const outcome = result.steps[step.id];
    const attempts = outcome?.attempts ?? [];
    const last = attempts.at(-1);
    const spend = result.spend.byStep[step.id];
    const notes = spend === undefined ? [] : totalsNotes(spend);
    const measured = spend !== undefined && attempts.length > 0 && spend.unmeasuredAttempts === 0;
    const priced = measured && spend.unpricedAttempts === 0;
    const waiting = result.pendingDecisions.find((decision) => decision.stepId === step.id);
    const stepResult = outcome?.result ?? waiting?.result;
    // Model agents answer with a summary; CLI agents' answer (when structured) is under `answer`.
    const summary =
      outputField(stepResult?.output, 'summary') ??
      outputField(outputField(stepResult?.output, 'answer'), 'summary') ??
      outputField(stepResult?.output, 'text');
    const model = stepResult?.usage?.model ?? outputField(stepResult?.output, 'model');
    const answeredBy = outputField(stepResult?.output, 'cli');
    const duration =
      attempts.length > 0
        ? attempts.reduce((sum, attempt) => sum + attempt.durationSeconds, 0)
        : null;
    if (attempts.length === 0 && outcome?.status !== 'skipped')
      notes.push('not started: nothing measured');
    agents.push({
      stepId: step.id,
      agentId: step.agent?.id ?? step.id,
      status: outcome?.status ?? 'pending',
      reason: outcome?.reason ?? null,
      tier: last?.tier ?? step.agent?.tier ?? null,
      via: last?.via ?? null,
      answeredBy: typeof answeredBy === 'string' ? answeredBy : null,
      attempts: attempts.length,
      durationSeconds: duration,
      inputTokens: measured ? spend.inputTokens : null,
      outputTokens: measured ? spend.outputTokens : null,
      totalTokens: measured ? spend.totalTokens : null,
      costUsd: priced ? spend.costUsd : null,
      confidence: stepResult?.success ? stepResult.confidence : null,
      model: typeof model === 'string' ? model : null,
      summary: typeof summary === 'string' && summary.trim() !== '' ? summary : null,
      error:
        stepResult !== undefined && !stepResult.success
          ? stepResult.error || null
          : (waiting?.failure?.message ?? null),
      notes,
    });
  }
  const total = result.spend.total;
  const next: string[] = [];
  const cli = options.cliName ?? 'baton';
  for (const decision of result.pendingDecisions) {
    next.push(`${cli} decisions approve ${decision.id}   # or reject; ${decision.reason}`);
  }
  if (['cancelled', 'paused', 'budget-exceeded'].includes(result.status)) {
    next.push(`${cli} runs resume ${result.runId}`);
  }
  return {
    runId: result.runId,
    status: result.status,
    success: result.success,
    task: graph.task ?? null,
    strategy: graph.strategy ?? null,
    composition: options.composition,
    plan: options.plan ?? null,
    agents,
    totals: {
      agents: total.agents,
      inputTokens: total.inputTokens,
      outputTokens: total.outputTokens,
      totalTokens: total.totalTokens,
      costUsd: measuredCostUsd(total),
      pricedCostUsd: total.costUsd,
      unpricedAttempts: total.unpricedAttempts,
      unmeasuredAttempts: total.unmeasuredAttempts,
      notes: totalsNotes(total),
    },
    budget: options.budget,
    budgetStop: result.budgetStop === undefined ? null : { ...result.budgetStop },
    pendingDecisions: result.pendingDecisions.map(({ id, stepId, kind, reason }) => ({
      id,
      stepId,
      kind,
      reason,
    })),
    outcome: options.outcome,
    notices: [...result.notices],
    durationSeconds: result.durationSeconds,
    error: result.error ?? null,
    runDir: options.runDir,
    eventsFile: options.eventsFile,
    next,
  };
}

/** Dollars to 4 decimals, never `$0.0000` for a cost (`formatUsd` of `@baton/core`). */
export const usd: (value: number | null) => string = formatUsd;
