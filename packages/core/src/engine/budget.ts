import { z } from 'zod';
import type { Tier } from '../constants.js';
import type { Usage } from '../schemas.js';

/** Spending limits of a run (`--max-cost-usd`, `--max-tokens`, `--max-agents`). */
export const budgetSchema = z.object({
  /** Most US dollars the run may spend. */
  maxCostUsd: z.number().positive('must be > 0').optional(),
  /** Most tokens (input + output) the run may use. */
  maxTokens: z.number().int('must be an integer').positive('must be > 0').optional(),
  /** Most agent runs: each step's agent and each fallback agent counts once; retries do not. */
  maxAgents: z.number().int('must be an integer').positive('must be > 0').optional(),
});
/** Spending limits of a run. */
export type Budget = z.output<typeof budgetSchema>;

/** Which limit stopped a run. */
export type BudgetLimit = 'maxCostUsd' | 'maxTokens' | 'maxAgents';

/** What one agent run may spend, estimated before it starts. */
export interface StepEstimate {
  /** US dollars; undefined when no price is known. */
  costUsd?: number | undefined;
  /** Tokens; undefined when the agent has no token limit. */
  tokens?: number | undefined;
  /**
   * Whether the executor keeps the agent within this estimate (a model executor enforces the
   * agent's `maxTokens`). Default true. A coding-agent CLI is not bounded: its spend is known
   * only when it answers, so the budget never runs two of them at once under a limit and takes
   * the largest spend measured so far in the run as their need.
   */
  bounded?: boolean | undefined;
}

/** US dollars per million tokens, by tier (`default` for any tier not listed). */
export type TierPrices = Partial<Record<Tier | 'default', number>>;

/**
 * Estimates the most an agent run may spend from its `resourceRequirements.maxTokens` and a price
 * per million tokens for its tier. Unknown parts stay undefined (never guessed).
 */
export function estimateAgentCost(
  agent: {
    tier?: Tier | undefined;
    resourceRequirements?: { maxTokens?: number | undefined } | undefined;
  },
  prices: TierPrices = {},
): StepEstimate {
  const tokens = agent.resourceRequirements?.maxTokens;
  const price = (agent.tier === undefined ? undefined : prices[agent.tier]) ?? prices.default;
  return {
    tokens,
    costUsd: tokens === undefined || price === undefined ? undefined : (tokens * price) / 1_000_000,
  };
}

/** One spend record: what an attempt of an agent used. */
export interface LedgerEntry {
  stepId: string;
  agentId: string;
  tier?: string | undefined;
  strategy?: string | undefined;
  /** The step's phase or group (nested steps roll up here). */
  parentId?: string | undefined;
  /** Whether this entry starts a new agent run (counts against `maxAgents`). */
  newAgent: boolean;
  usage?: Usage | undefined;
}

/** Totals over a set of ledger entries. */
export interface SpendTotals {
  /** Sum of the priced costs in US dollars. */
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Agent runs started. */
  agents: number;
  /** Attempts that reported usage without a price: `costUsd` then under-counts, say so. */
  unpricedAttempts: number;
  /** Attempts that reported no usage at all (nothing measured). */
  unmeasuredAttempts: number;
}

/** Spend of a run, in total and attributed per step, agent, strategy, tier and parent. */
export interface SpendReport {
  total: SpendTotals;
  byStep: Record<string, SpendTotals>;
  byAgent: Record<string, SpendTotals>;
  byStrategy: Record<string, SpendTotals>;
  byTier: Record<string, SpendTotals>;
  byParent: Record<string, SpendTotals>;
}

function emptyTotals(): SpendTotals {
  return {
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    agents: 0,
    unpricedAttempts: 0,
    unmeasuredAttempts: 0,
  };
}

function addTo(totals: SpendTotals, entry: LedgerEntry): void {
  if (entry.newAgent) totals.agents += 1;
  const usage = entry.usage;
  if (usage === undefined) {
    totals.unmeasuredAttempts += 1;
    return;
  }
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  totals.totalTokens += usage.inputTokens + usage.outputTokens;
  if (usage.costUsd === undefined) totals.unpricedAttempts += 1;
  else totals.costUsd += usage.costUsd;
}

/**
 * Records what every agent attempt used and sums it by dimension. Entries are plain data so a
 * resumed run rebuilds its ledger from the checkpoints.
 *
 * @example
 * ```ts
 * const ledger = new CostLedger();
 * ledger.record({ stepId: 'a', agentId: 'a', tier: 'CHEAP', newAgent: true,
 *   usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.001 } });
 * ledger.report().byTier.CHEAP.costUsd; // 0.001
 * ```
 */
export class CostLedger {
  readonly #entries: LedgerEntry[] = [];
  readonly #total = emptyTotals();

  /** Adds one entry. */
  record(entry: LedgerEntry): void {
    this.#entries.push(entry);
    addTo(this.#total, entry);
  }

  /** Running totals (cheap; no aggregation by dimension). */
  get total(): Readonly<SpendTotals> {
    return this.#total;
  }

  /** Every entry so far. */
  get entries(): readonly LedgerEntry[] {
    return this.#entries;
  }

  /** Totals, and totals by step, agent, strategy, tier and parent. */
  report(): SpendReport {
    const report: SpendReport = {
      total: { ...this.#total },
      byStep: {},
      byAgent: {},
      byStrategy: {},
      byTier: {},
      byParent: {},
    };
    const bucket = (
      map: Record<string, SpendTotals>,
      key: string | undefined,
      entry: LedgerEntry,
    ) => {
      if (key === undefined) return;
      map[key] ??= emptyTotals();
      addTo(map[key], entry);
    };
    for (const entry of this.#entries) {
      bucket(report.byStep, entry.stepId, entry);
      bucket(report.byAgent, entry.agentId, entry);
      bucket(report.byStrategy, entry.strategy, entry);
      bucket(report.byTier, entry.tier, entry);
      bucket(report.byParent, entry.parentId, entry);
    }
    return report;
  }
}

/** Why a step may not start. */
export interface BudgetRefusal {
  limit: BudgetLimit;
  /** The configured limit. */
  max: number;
  /** Spent so far plus what running steps may still spend. */
  committed: number;
  /**
   * What the refused step may spend (one agent for `maxAgents`); undefined when it is not known in
   * advance, and then the limit has been reached.
   */
  needed?: number | undefined;
  /** Why, in a sentence for people. */
  message: string;
}

/** What {@link BudgetGuard.admit} decides for an agent run. */
export type BudgetAdmission =
  | { kind: 'start'; ticket: BudgetTicket }
  /** Not now: running steps hold reservations that may be released, or an unbounded agent runs. */
  | { kind: 'wait'; refusal: BudgetRefusal }
  /** Never in this run: the limit would be passed. */
  | { kind: 'stop'; refusal: BudgetRefusal };

/** A reservation made for one agent run; give it back with {@link BudgetGuard.release}. */
export interface BudgetTicket {
  readonly costUsd: number;
  readonly tokens: number;
  readonly agents: number;
  readonly bounded: boolean;
}

const EPSILON = 1e-12;

/**
 * Decides whether an agent run may start: what was spent, plus what running agents have reserved,
 * plus what this one may need must stay within every limit. An agent whose executor keeps it
 * within its estimate reserves that estimate; one that cannot be bounded (a coding-agent CLI)
 * needs the larger of its estimate and the largest agent run measured so far, and never runs at
 * the same time as another unbounded one while a spending limit is set. A run that reported no
 * usage makes a token or cost limit uncheckable: nothing more starts.
 *
 * @example
 * ```ts
 * const guard = new BudgetGuard({ maxCostUsd: 1 }, ledger);
 * const admission = guard.admit({ costUsd: 0.2 });
 * if (admission.kind === 'start') { await runAgent(); guard.release(admission.ticket, spent); }
 * ```
 */
export class BudgetGuard {
  readonly budget: Budget;
  readonly #ledger: CostLedger;
  #reservedCost = 0;
  #reservedTokens = 0;
  #reservedAgents = 0;
  #runningUnbounded = 0;
  #largestCost = 0;
  #largestTokens = 0;

  constructor(budget: Budget, ledger: CostLedger) {
    this.budget = budget;
    this.#ledger = ledger;
  }

  /** Whether any limit is set. */
  get limited(): boolean {
    const { maxCostUsd, maxTokens, maxAgents } = this.budget;
    return maxCostUsd !== undefined || maxTokens !== undefined || maxAgents !== undefined;
  }

  /** Admits one agent run with `estimate`, reserving it; or says why not (now or ever). */
  admit(estimate: StepEstimate = {}, agents = 1): BudgetAdmission {
    const { maxCostUsd, maxTokens, maxAgents } = this.budget;
    const bounded = estimate.bounded !== false;
    const total = this.#ledger.total;
    const running = this.#reservedAgents > 0;
    const decide = (refusal: BudgetRefusal): BudgetAdmission =>
      running ? { kind: 'wait', refusal } : { kind: 'stop', refusal };

    if (maxAgents !== undefined) {
      const committed = total.agents + this.#reservedAgents;
      if (committed + agents > maxAgents) {
        return decide({
          limit: 'maxAgents',
          max: maxAgents,
          committed,
          needed: agents,
          message: `${committed} agent run(s) started or running, the limit is ${maxAgents}`,
        });
      }
    }
    const spending = maxCostUsd !== undefined || maxTokens !== undefined;
    if (spending && !bounded && this.#runningUnbounded > 0) {
      return {
        kind: 'wait',
        refusal: {
          limit: maxCostUsd !== undefined ? 'maxCostUsd' : 'maxTokens',
          max: (maxCostUsd ?? maxTokens)!,
          committed: maxCostUsd !== undefined ? total.costUsd : total.totalTokens,
          message:
            'another agent whose spend is known only when it answers is running; this one waits',
        },
      };
    }
    let tokens = 0;
    if (maxTokens !== undefined) {
      const committed = total.totalTokens + this.#reservedTokens;
      if (total.unmeasuredAttempts > 0) {
        return decide({
          limit: 'maxTokens',
          max: maxTokens,
          committed,
          message: `${total.unmeasuredAttempts} attempt(s) reported no token usage, so the token limit can no longer be checked`,
        });
      }
      const need = bounded
        ? estimate.tokens
        : Math.max(estimate.tokens ?? 0, this.#largestTokens) || undefined;
      if (need === undefined ? committed >= maxTokens : committed + need > maxTokens) {
        return decide({
          limit: 'maxTokens',
          max: maxTokens,
          committed,
          needed: need,
          message:
            need === undefined
              ? `${committed} tokens committed of ${maxTokens}`
              : `${committed} tokens committed + up to ${need} for this agent > ${maxTokens}`,
        });
      }
      tokens = need ?? 0;
    }
    let costUsd = 0;
    if (maxCostUsd !== undefined) {
      const committed = total.costUsd + this.#reservedCost;
      if (total.unmeasuredAttempts + total.unpricedAttempts > 0) {
        return decide({
          limit: 'maxCostUsd',
          max: maxCostUsd,
          committed,
          message: `${total.unmeasuredAttempts + total.unpricedAttempts} attempt(s) reported no usage or used a model without a price, so the cost limit can no longer be checked`,
        });
      }
      const need = bounded
        ? estimate.costUsd
        : Math.max(estimate.costUsd ?? 0, this.#largestCost) || undefined;
      if (need === undefined ? committed >= maxCostUsd : committed + need > maxCostUsd + EPSILON) {
        return decide({
          limit: 'maxCostUsd',
          max: maxCostUsd,
          committed,
          needed: need,
          message:
            need === undefined
              ? `$${round(committed)} committed of $${maxCostUsd}`
              : `$${round(committed)} committed + up to $${round(need)} for this agent > $${maxCostUsd}`,
        });
      }
      costUsd = need ?? 0;
    }
    const ticket: BudgetTicket = { costUsd, tokens, agents, bounded };
    this.#reservedCost += costUsd;
    this.#reservedTokens += tokens;
    this.#reservedAgents += agents;
    if (!bounded) this.#runningUnbounded += 1;
    return { kind: 'start', ticket };
  }

  /**
   * Gives back a reservation when its agent run ended, with what that run measurably spent (the
   * ledger already counts it), so later unbounded agents are judged by the largest spend seen.
   */
  release(ticket: BudgetTicket, spent: { costUsd?: number; tokens?: number } = {}): void {
    this.#reservedCost -= ticket.costUsd;
    this.#reservedTokens -= ticket.tokens;
    this.#reservedAgents -= ticket.agents;
    if (!ticket.bounded) this.#runningUnbounded -= 1;
    this.#largestCost = Math.max(this.#largestCost, spent.costUsd ?? 0);
    this.#largestTokens = Math.max(this.#largestTokens, spent.tokens ?? 0);
  }

  /** The limit the measured spend has passed, if any (an agent spent more than it was allowed). */
  overspent(): BudgetRefusal | undefined {
    const { maxCostUsd, maxTokens } = this.budget;
    const total = this.#ledger.total;
    if (maxTokens !== undefined && total.totalTokens > maxTokens) {
      return {
        limit: 'maxTokens',
        max: maxTokens,
        committed: total.totalTokens,
        message: `${total.totalTokens} tokens spent, more than the limit of ${maxTokens}`,
      };
    }
    if (maxCostUsd !== undefined && total.costUsd > maxCostUsd + EPSILON) {
      return {
        limit: 'maxCostUsd',
        max: maxCostUsd,
        committed: total.costUsd,
        message: `$${round(total.costUsd)} spent, more than the limit of $${maxCostUsd}`,
      };
    }
    return undefined;
  }
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
