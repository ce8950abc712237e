import { BatonError, BatonErrorCode } from '../errors.js';
import { isoClock, systemNow } from './clock.js';

/** The lifecycle states of a run (the orchestrator state machine of the spec). */
export const RunState = {
  IDLE: 'idle',
  ANALYZING: 'analyzing',
  PLANNING: 'planning',
  EXECUTING: 'executing',
  MONITORING: 'monitoring',
  ESCALATING: 'escalating',
  COMPLETING: 'completing',
  ERROR: 'error',
} as const;
/** One of the {@link RunState} values. */
export type RunState = (typeof RunState)[keyof typeof RunState];

/** Every run state, in lifecycle order. */
export const RUN_STATES: readonly RunState[] = Object.values(RunState);

/** The triggers that move a run between states. */
export const RunTrigger = {
  START: 'start',
  PLAN: 'plan',
  EXECUTE: 'execute',
  MONITOR: 'monitor',
  ESCALATE: 'escalate',
  USER_RESPONSE: 'user_response',
  COMPLETE: 'complete',
  FINISH: 'finish',
  ERROR: 'error',
  RECOVER: 'recover',
} as const;
/** One of the {@link RunTrigger} values. */
export type RunTrigger = (typeof RunTrigger)[keyof typeof RunTrigger];

/** Every run trigger. */
export const RUN_TRIGGERS: readonly RunTrigger[] = Object.values(RunTrigger);

/** A legal transition: `from: '*'` means any state. */
export interface TransitionRule {
  trigger: RunTrigger;
  from: RunState | '*';
  to: RunState;
}

/** The transition table of the spec's `OrchestratorStateMachine`. */
export const RUN_TRANSITIONS: readonly TransitionRule[] = Object.freeze([
  { trigger: 'start', from: 'idle', to: 'analyzing' },
  { trigger: 'plan', from: 'analyzing', to: 'planning' },
  { trigger: 'execute', from: 'planning', to: 'executing' },
  { trigger: 'monitor', from: 'executing', to: 'monitoring' },
  { trigger: 'escalate', from: 'monitoring', to: 'escalating' },
  { trigger: 'user_response', from: 'escalating', to: 'executing' },
  { trigger: 'complete', from: 'monitoring', to: 'completing' },
  { trigger: 'finish', from: 'completing', to: 'idle' },
  { trigger: 'error', from: '*', to: 'error' },
  { trigger: 'recover', from: 'error', to: 'idle' },
]);

/** Each trigger's rule (a trigger has one). */
const RULE_OF_TRIGGER: ReadonlyMap<string, TransitionRule> = new Map(
  RUN_TRANSITIONS.map((rule) => [rule.trigger, rule]),
);
if (RULE_OF_TRIGGER.size !== RUN_TRANSITIONS.length) {
  throw new Error('RUN_TRANSITIONS has a trigger with more than one rule');
}

/** One recorded transition. */
export interface TransitionRecord {
  from: RunState;
  to: RunState;
  trigger: RunTrigger;
  /** ISO 8601 time of the transition. */
  at: string;
  /** Why, or anything else worth keeping (JSON-serialisable). */
  data?: Record<string, unknown> | undefined;
}

/** A trigger that is not legal in the current state. */
export class IllegalTransitionError extends BatonError {
  readonly from: RunState;
  readonly trigger: string;

  constructor(from: RunState, trigger: string) {
    super(
      BatonErrorCode.CONFLICT,
      `Illegal run transition: "${trigger}" is not allowed in state "${from}"`,
    );
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.trigger = trigger;
  }
}

/** Options of {@link RunStateMachine}. */
export interface RunStateMachineOptions {
  /** Starting state (default `idle`), e.g. when restoring a saved run. */
  state?: RunState;
  /** Transitions recorded so far, when restoring a saved run. */
  history?: readonly TransitionRecord[];
  /** Clock, injectable for tests. */
  now?: () => Date;
  /** Called after every transition (the run store persists here). */
  onTransition?: (record: TransitionRecord) => void;
}

/**
 * The run lifecycle: idle → analyzing → planning → executing ⇄ monitoring → (escalating →
 * executing) → completing → idle, with `error` from any state and `recover` back to idle. An
 * illegal trigger throws {@link IllegalTransitionError}; every transition is recorded with its time.
 *
 * @example
 * ```ts
 * const machine = new RunStateMachine();
 * machine.transition('start');
 * machine.transition('plan', { source: 'heuristic' });
 * machine.state; // 'planning'
 * machine.can('finish'); // false
 * ```
 */
export class RunStateMachine {
  #state: RunState;
  readonly #history: TransitionRecord[];
  readonly #time: () => string;
  readonly #onTransition: ((record: TransitionRecord) => void) | undefined;

  constructor(options: RunStateMachineOptions = {}) {
    this.#state = options.state ?? RunState.IDLE;
    this.#history = [...(options.history ?? [])];
    this.#time = isoClock(options.now ?? systemNow);
    this.#onTransition = options.onTransition;
  }

  /** The current state. */
  get state(): RunState {
    return this.#state;
  }

  /** Every transition so far, oldest first. */
  get history(): readonly TransitionRecord[] {
    return this.#history;
  }

  /** The state a trigger leads to from the current state, or undefined when it is illegal. */
  target(trigger: string): RunState | undefined {
    const rule = RULE_OF_TRIGGER.get(trigger);
    return rule !== undefined && (rule.from === this.#state || rule.from === '*')
      ? rule.to
      : undefined;
  }

  /** Whether a trigger is legal in the current state. */
  can(trigger: string): boolean {
    return this.target(trigger) !== undefined;
  }

  /** Applies a trigger; throws {@link IllegalTransitionError} when it is not legal now. */
  transition(trigger: RunTrigger, data?: Record<string, unknown>): TransitionRecord {
    const to = this.target(trigger);
    if (to === undefined) throw new IllegalTransitionError(this.#state, trigger);
    const record: TransitionRecord = { from: this.#state, to, trigger, at: this.#time() };
    if (data !== undefined) record.data = data;
    this.#state = to;
    this.#history.push(record);
    this.#onTransition?.(record);
    return record;
  }
}
