import type { Tier, Usage } from '@baton/core';
import { z } from 'zod';

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

/** The most one agent run may spend, estimated before it starts. */
export interface StepEstimate {
  /** Upper bound in US dollars; undefined when no price is known. */
  costUsd?: number | undefined;
  /** Upper bound in tokens; undefined when the agent has no token limit. */
  tokens?: number | undefined;
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
   * advance (e.g. the cost of an agent CLI), and then the limit has been reached.
   */
  needed?: number | undefined;
}

/**
 * Decides whether a step may start: spent + reserved by running steps + the step's estimate
 * must stay within every limit. Reservations are released when a step ends.
 */
export class BudgetGuard {
  readonly budget: Budget;
  readonly #ledger: CostLedger;
  #reservedCost = 0;
  #reservedTokens = 0;
  #reservedAgents = 0;

  constructor(budget: Budget, ledger: CostLedger) {
    this.budget = budget;
    this.#ledger = ledger;
  }

  /**
   * Whether spending has already reached a limit; the refusal names what a step with `estimate`
   * would need (one agent, its tokens or cost; undefined when not known).
   */
  exhausted(estimate: StepEstimate = {}): BudgetRefusal | undefined {
    const refusal = this.check({ costUsd: 0, tokens: 0 }, 0, true);
    if (refusal === undefined) return undefined;
    const needed =
      refusal.limit === 'maxAgents'
        ? 1
        : refusal.limit === 'maxTokens'
          ? estimate.tokens
          : estimate.costUsd;
    return { ...refusal, needed };
  }

  /**
   * Reserves a step's estimate and returns undefined, or returns the refusal and reserves nothing.
   * An unknown estimate reserves nothing: such a step may start while anything is left.
   */
  reserve(estimate: StepEstimate, agents: number): BudgetRefusal | undefined {
    const refusal = this.check(estimate, agents, false);
    if (refusal !== undefined) return refusal;
    this.#reservedCost += estimate.costUsd ?? 0;
    this.#reservedTokens += estimate.tokens ?? 0;
    this.#reservedAgents += agents;
    return undefined;
  }

  /** Releases a reservation made by {@link reserve}. */
  release(estimate: StepEstimate, agents: number): void {
    this.#reservedCost -= estimate.costUsd ?? 0;
    this.#reservedTokens -= estimate.tokens ?? 0;
    this.#reservedAgents -= agents;
  }

  private check(
    estimate: StepEstimate,
    agents: number,
    atLimit: boolean,
  ): BudgetRefusal | undefined {
    const total = this.#ledger.total;
    const { maxCostUsd, maxTokens, maxAgents } = this.budget;
    const over = (committed: number, needed: number, max: number, known: boolean): boolean =>
      atLimit ? committed >= max : known ? committed + needed > max + 1e-12 : committed >= max;
    if (maxAgents !== undefined) {
      const committed = total.agents + this.#reservedAgents;
      if (over(committed, agents, maxAgents, true)) {
        return { limit: 'maxAgents', max: maxAgents, committed, needed: agents };
      }
    }
    if (maxTokens !== undefined) {
      const committed = total.totalTokens + this.#reservedTokens;
      const needed = estimate.tokens;
      if (over(committed, needed ?? 0, maxTokens, needed !== undefined)) {
        return { limit: 'maxTokens', max: maxTokens, committed, needed };
      }
    }
    if (maxCostUsd !== undefined) {
      const committed = total.costUsd + this.#reservedCost;
      const needed = estimate.costUsd;
      if (over(committed, needed ?? 0, maxCostUsd, needed !== undefined)) {
        return { limit: 'maxCostUsd', max: maxCostUsd, committed, needed };
      }
    }
    return undefined;
  }
}
