import EventEmitter from 'eventemitter3';
import type { CompositionPattern, Tier } from './constants.js';
import type { AgentResult, StrategyResult, Usage } from './schemas.js';

/** Ids that tie an event to its place in a run. */
export interface Correlation {
  runId?: string | undefined;
  stepId?: string | undefined;
  parentId?: string | undefined;
}

/** Emitted when an agent starts. */
export interface AgentStartEvent extends Correlation {
  agentId: string;
  tier?: Tier | undefined;
  strategy: CompositionPattern | string;
  /** Epoch milliseconds. */
  timestamp: number;
}

/** Emitted when an agent has finished, successfully or not. */
export interface AgentEndEvent extends Correlation {
  agentId: string;
  strategy: CompositionPattern | string;
  result: AgentResult;
  timestamp: number;
}

/** Emitted when a strategy starts running a team. */
export interface StrategyStartEvent extends Correlation {
  strategy: CompositionPattern | string;
  agentIds: string[];
  timestamp: number;
}

/** Emitted when a strategy has finished. */
export interface StrategyEndEvent extends Correlation {
  strategy: CompositionPattern | string;
  result: StrategyResult;
  timestamp: number;
}

/** Emitted when a strategy enters a named phase (debate opinions, teaching takeover, ...). */
export interface PhaseEvent extends Correlation {
  strategy: CompositionPattern | string;
  phase: string;
  timestamp: number;
}

/** Emitted whenever tokens are spent. */
export interface UsageEvent extends Correlation {
  agentId: string;
  usage: Usage;
  timestamp: number;
}

/** The typed event map every Baton layer emits on. */
export interface BatonEventMap {
  'agent-start': [event: AgentStartEvent];
  'agent-end': [event: AgentEndEvent];
  'strategy-start': [event: StrategyStartEvent];
  'strategy-end': [event: StrategyEndEvent];
  'phase-start': [event: PhaseEvent];
  'usage-add': [event: UsageEvent];
}

/**
 * A typed eventemitter3 emitter over {@link BatonEventMap}.
 *
 * @example
 * ```ts
 * const events = new BatonEmitter();
 * events.on('agent-end', ({ agentId, result }) => log(agentId, result.success));
 * ```
 */
export class BatonEmitter extends EventEmitter<BatonEventMap> {}
