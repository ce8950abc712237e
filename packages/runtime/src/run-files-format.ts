import {
  BatonError,
  BatonErrorCode,
  parseStoredRunRecord,
  RUN_TRANSITIONS,
  type RunEvent,
  type RunRecord,
} from '@baton/core';

// What the files of a run folder hold, and how they are read back: `events.jsonl` (one event a
// line, and a line for each version of the run's record: the first line as created, the last one
// the record now) and, in folders of earlier formats, `run.json` (the record). Both leave out
// what they would repeat, and nothing else:
// every field left out is given back exactly (each omission is checked against the value it
// would be read back as), so readers see the events and the record the engine wrote. Files
// written before these omissions (every field present) are read the same way.

type Line = Record<string, unknown>;
type Progress = Record<string, number | undefined>;

/** Each trigger's one transition: its `to`, and its `from` unless it is allowed from anywhere. */
const TRANSITION_OF = new Map(RUN_TRANSITIONS.map((rule) => [rule.trigger as string, rule]));

/** Step counts of a progress snapshot that are left out when they are 0. */
const PROGRESS_COUNTS = ['succeeded', 'failed', 'skipped', 'running', 'awaitingDecision'] as const;

/**
 * One line of `events.jsonl` (without its newline). The folder names the run, so a line leaves
 * out the run id; and it leaves out what it repeats: an agent or label equal to its step's id
 * (an absent agent is written as null), `primary` as the way and 1 as the attempt, the state a
 * transition's trigger always leaves from and goes to, usage deltas equal to the usage, a
 * `step-end`'s end time equal to its timestamp, what its result says again (its agent, a success
 * its status says, an empty error, an unknown confidence), what its last attempt shares with
 * the result (duration, usage), the first start of the run, and the step counts that are 0 or
 * follow from the others. {@link readEventLine} gives all of it back.
 */
export function eventLine(event: RunEvent): string {
  // What a line leaves out is set to undefined, which JSON leaves out: deleting it would turn the
  // copy into a dictionary, slower to fill and to serialise.
  const { runId: _runId, ...line } = event as unknown as Line & { runId: string };
  const stepId = event.stepId;
  if (stepId !== undefined) {
    if (event.agentId === stepId) line.agentId = undefined;
    else if (event.agentId === undefined) line.agentId = null;
  }
  switch (event.type) {
    case 'state-change':
      omitTransitionStates(line);
      break;
    case 'step-start':
      if (event.label === stepId) line.label = undefined;
      omitFirstAttempt(line);
      break;
    case 'step-usage':
      omitFirstAttempt(line);
      if (event.usage !== undefined) {
        omitDerived(line, 'costDeltaUsd', event.usage.costUsd);
        omitDerived(line, 'tokensDelta', event.usage.inputTokens + event.usage.outputTokens);
      }
      break;
    case 'step-end':
      compactStepEnd(line, event);
      break;
    case 'run-end':
      line.progress = compactProgress(event.progress as unknown as Progress);
      break;
    default:
      break;
  }
  return JSON.stringify(line);
}

/** The event a line of `events.jsonl` describes, in any format this version has written. */
export function readEventLine(text: string, runId: string): RunEvent {
  const line = JSON.parse(text) as Line | null;
  if (typeof line !== 'object' || line === null || typeof line.type !== 'string') {
    throw new Error('not an event');
  }
  line.runId = runId;
  if (typeof line.stepId === 'string') {
    if (line.agentId === null) delete line.agentId;
    else line.agentId ??= line.stepId;
  }
  switch (line.type) {
    case 'state-change':
      restoreTransitionStates(line);
      break;
    case 'step-start':
      line.label ??= line.stepId;
      restoreFirstAttempt(line);
      break;
    case 'step-usage': {
      restoreFirstAttempt(line);
      const usage = line.usage as
        | { inputTokens: number; outputTokens: number; costUsd?: number }
        | undefined;
      if (usage !== undefined) {
        restoreDerived(line, 'costDeltaUsd', usage.costUsd);
        restoreDerived(line, 'tokensDelta', usage.inputTokens + usage.outputTokens);
      }
      break;
    }
    case 'step-end':
      expandStepEnd(line);
      break;
    case 'run-end':
      if (line.progress !== undefined) expandProgress(line.progress as Progress);
      break;
    default:
      break;
  }
  return line as unknown as RunEvent;
}

function omitFirstAttempt(line: Line): void {
  if (line.via === 'primary') line.via = undefined;
  if (line.attempt === 1) line.attempt = undefined;
}

function restoreFirstAttempt(line: Line): void {
  line.via ??= 'primary';
  line.attempt ??= 1;
}

/** Leaves out a field equal to what it is derived from; null stands for an absent one. */
function omitDerived(line: Line, key: string, derived: unknown): void {
  if (line[key] === derived) line[key] = undefined;
  else if (line[key] === undefined) line[key] = null;
}

function restoreDerived(line: Line, key: string, derived: unknown): void {
  if (line[key] === null) delete line[key];
  else if (line[key] === undefined && derived !== undefined) line[key] = derived;
}

function omitTransitionStates(line: Line): void {
  const rule = TRANSITION_OF.get(line.trigger as string);
  if (rule === undefined) return;
  if (line.to === rule.to) line.to = undefined;
  if (rule.from !== '*' && line.from === rule.from) line.from = undefined;
}

function restoreTransitionStates(line: Line): void {
  const rule = TRANSITION_OF.get(line.trigger as string);
  if (rule === undefined) return;
  line.to ??= rule.to;
  if (rule.from !== '*') line.from ??= rule.from;
}

function compactStepEnd(line: Line, event: Extract<RunEvent, { type: 'step-end' }>): void {
  if (event.endedAt === event.timestamp) line.endedAt = undefined;
  if (event.runAttempt === 1) line.runAttempt = undefined;
  const result = event.result;
  const attempts = event.attempts ?? [];
  const last = attempts.length - 1;
  line.attempts = attempts.map((attempt, index) => {
    const { agentId, via, attempt: number, success, ...rest } = attempt;
    const compact: Line = rest;
    if (agentId !== event.agentId) compact.agentId = agentId;
    if (via !== 'primary') compact.via = via;
    if (number !== 1) compact.attempt = number;
    if (success !== (attempt.error === undefined)) compact.success = success;
    if (index === last && result !== undefined) {
      if (attempt.durationSeconds === result.durationSeconds) compact.durationSeconds = undefined;
      if (attempt.usage === undefined) {
        if (result.usage !== undefined) compact.usage = null;
      } else if (JSON.stringify(attempt.usage) === JSON.stringify(result.usage)) {
        compact.usage = undefined;
      }
    }
    return compact;
  });
  if (result !== undefined) {
    const { agentId, success, error, confidence, ...rest } = result;
    const compact: Line = rest;
    if (agentId !== (event.agentId ?? event.stepId)) compact.agentId = agentId;
    if (success !== (event.status === 'succeeded')) compact.success = success;
    if (error !== '') compact.error = error;
    if (confidence !== null) compact.confidence = confidence;
    line.result = compact;
  }
  // A checkpoint committed without its event (see FileCheckpointer.commitStep) has no progress.
  if (event.progress !== undefined) {
    line.progress = compactProgress(event.progress as unknown as Progress);
  }
}

function expandStepEnd(line: Line): void {
  line.endedAt ??= line.timestamp;
  line.runAttempt ??= 1;
  const result = line.result as Line | undefined;
  if (result !== undefined) {
    result.agentId ??= line.agentId ?? line.stepId;
    result.success ??= line.status === 'succeeded';
    result.error ??= '';
    result.confidence ??= null;
  }
  const attempts = (line.attempts as Line[] | undefined) ?? [];
  const last = attempts.length - 1;
  line.attempts = attempts.map((stored, index) => {
    const attempt: Line = { via: 'primary', agentId: line.agentId, attempt: 1, ...stored };
    attempt.success ??= attempt.error === undefined;
    if (index === last && result !== undefined) {
      attempt.durationSeconds ??= result.durationSeconds;
      if (attempt.usage === null) delete attempt.usage;
      else if (attempt.usage === undefined && result.usage !== undefined) {
        attempt.usage = { ...(result.usage as Line) };
      }
    }
    return attempt;
  });
  if (line.progress !== undefined) expandProgress(line.progress as Progress);
}

/** A progress snapshot without the counts that are 0 and those that follow from the others. */
function compactProgress(progress: Progress): Progress {
  const compact = { ...progress };
  const derived = derivedProgress(progress);
  for (const key of ['done', 'pending', 'percent'] as const) {
    if (compact[key] === derived[key]) compact[key] = undefined;
  }
  for (const key of PROGRESS_COUNTS) if (compact[key] === 0) compact[key] = undefined;
  return compact;
}

function expandProgress(progress: Progress): void {
  for (const key of PROGRESS_COUNTS) progress[key] ??= 0;
  const derived = derivedProgress(progress);
  progress.done ??= derived.done;
  progress.pending ??= derived.pending;
  progress.percent ??= derived.percent;
}

/** What a snapshot's counts say its finished and pending steps and its percent are. */
function derivedProgress(progress: Progress): { done: number; pending: number; percent: number } {
  const count = (key: (typeof PROGRESS_COUNTS)[number]) => progress[key] ?? 0;
  const done = count('succeeded') + count('failed') + count('skipped');
  const total = progress.total ?? 0;
  return {
    done,
    pending: total - done - count('running') - count('awaitingDecision'),
    percent: total === 0 ? 100 : Math.round((done / total) * 1000) / 10,
  };
}

// ---- run.json and the record line ---------------------------------------------------------------

const graphText = new WeakMap<object, string>();

/** A graph as a record stores it, without the fields that have their default values (serialised once per graph). */
export function graphJson(graph: RunRecord['graph']): string {
  let text = graphText.get(graph);
  if (text === undefined) {
    const strategy = graph.strategy;
    text = JSON.stringify({
      ...graph,
      steps: graph.steps.map((step) => compactStep(step, strategy)),
    });
    graphText.set(graph, text);
  }
  return text;
}

/**
 * The text of a record: its graph without the fields that have their default values (read back
 * with them by the schema), or no graph at all with `graph: false` (a later record line: the
 * first one holds the graph); the task when it is the graph's; and in its history, the states a
 * trigger always leaves from and goes to.
 */
export function serializeRecord(record: RunRecord, options: { graph?: boolean } = {}): string {
  const { graph: _graph, task, history, ...rest } = record;
  const compact: Line = rest;
  if (task !== record.graph.task) compact.task = task ?? null;
  compact.history = history.map((transition) => {
    const line: Line = { ...transition };
    omitTransitionStates(line);
    return line;
  });
  const text = JSON.stringify(compact);
  return options.graph === false ? text : `{"graph":${graphJson(record.graph)},${text.slice(1)}`;
}

/**
 * How a line of `events.jsonl` begins when it is a version of the run's record: the first line
 * (the record as created, with the graph), and one more each time the record changes (without
 * the graph, unless it changed); the last one is the record.
 */
export const RECORD_LINE_START = '{"type":"run-record","record":';

/** A run-record line of `events.jsonl` (without its newline); `graph: false` leaves the graph out. */
export function recordLine(record: RunRecord, options: { graph?: boolean } = {}): string {
  return `${RECORD_LINE_START}${serializeRecord(record, options)}}`;
}

/**
 * The record text a line of {@link recordLine} holds (damaged when the line is: parsing it says
 * so), or undefined when the line is not a record line.
 */
export function recordOfLine(line: string | undefined): string | undefined {
  if (line === undefined || !line.startsWith(RECORD_LINE_START)) return undefined;
  return line.slice(RECORD_LINE_START.length, -1);
}

/** The graph text of a record text (as {@link graphJson} wrote it), or undefined when it has none. */
export function graphTextOf(recordText: string): string | undefined {
  try {
    const graph = (JSON.parse(recordText) as Line | null)?.graph;
    return graph === undefined ? undefined : JSON.stringify(graph);
  } catch {
    return undefined;
  }
}

const STEP_DEFAULTS: Record<string, unknown> = {
  kind: 'agent',
  onDependencyFailure: 'skip',
  critical: true,
  escalate: true,
  risky: false,
  estimatedDurationSeconds: 0,
};

function compactStep(
  step: RunRecord['graph']['steps'][number],
  strategy: string | undefined,
): Record<string, unknown> {
  const compact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) {
    if (STEP_DEFAULTS[key] === value) continue;
    // A step of the graph's own strategy says so once, in the graph.
    if (key === 'strategy' && value === strategy) continue;
    if (
      Array.isArray(value) &&
      value.length === 0 &&
      (key === 'dependsOn' || key === 'fallbacks')
    ) {
      continue;
    }
    if (key === 'label' && value === step.id) continue;
    compact[key] = value;
  }
  return compact;
}

/** Where a record without a graph finds it: the run's record line, when there is one. */
export interface CreatedRecord {
  /** The record text of the line ({@link recordOfLine}). */
  text: string;
  /** Where the line is, for messages (`…/events.jsonl:1`). */
  location: string;
}

/**
 * Parses a record (a `run.json`, or the record of a run-record line), naming what is wrong with
 * it. A record without a graph takes the graph of `created()`, the run's first record line.
 */
export function parseRunRecord(
  runId: string,
  path: string,
  text: string,
  created?: () => CreatedRecord | undefined,
): RunRecord {
  const raw = parseJson(path, text);
  if (typeof raw === 'object' && raw !== null && (raw as Line).graph === undefined) {
    const line = created?.();
    const graph =
      line === undefined ? undefined : (parseJson(line.location, line.text) as Line | null)?.graph;
    if (graph === undefined) {
      throw new BatonError(
        BatonErrorCode.STORAGE,
        `${path} has no graph, and ${line === undefined ? "the run's events.jsonl does not begin with its first record" : `${line.location} has none either`}: the run record is damaged`,
      );
    }
    (raw as Line).graph = graph;
  }
  if (typeof raw === 'object' && raw !== null) restoreRecord(raw as Line);
  const record = parseStoredRunRecord(path, raw);
  if (record.id !== runId) {
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `${path} records run "${record.id}", not "${runId}"`,
    );
  }
  const strategy = record.graph.strategy;
  if (strategy !== undefined) {
    for (const step of record.graph.steps) step.strategy ??= strategy;
  }
  return record;
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `${path} is not valid JSON (${firstLine(error)}): the run record is damaged`,
    );
  }
}

/** Gives back what {@link serializeRecord} left out (before the schema checks the record). */
function restoreRecord(raw: Line): void {
  const graph = raw.graph as { task?: unknown } | undefined;
  if (raw.task === null) delete raw.task;
  else if (raw.task === undefined && typeof graph?.task === 'string') raw.task = graph.task;
  if (Array.isArray(raw.history)) {
    for (const transition of raw.history as unknown[]) {
      if (typeof transition === 'object' && transition !== null) {
        restoreTransitionStates(transition as Line);
      }
    }
  }
}

/** The first line of an error's message. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
