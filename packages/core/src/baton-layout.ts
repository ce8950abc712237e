/**
 * The names of what Baton keeps in a project's `.baton/` folder: the one place that knows the
 * layout (`@baton/runtime`'s `projectLayout` turns it into paths).
 */
export const BATON_LAYOUT = Object.freeze({
  /** The folder in the project. */
  dir: '.baton',
  /** Learned compositions, one JSON file each. */
  compositions: 'compositions',
  /** The pattern library. */
  patterns: 'patterns',
  /** Runs, one folder each. */
  runs: 'runs',
  /** Every orchestration decision, one JSON object a line. */
  audit: 'audit.jsonl',
  /** The server's generated access token. */
  serverToken: 'server-token',
  /** The files of one run's folder. */
  run: Object.freeze({
    /** The record of a run written before its record lines went into `events.jsonl`. */
    record: 'run.json',
    events: 'events.jsonl',
    decisions: 'decisions',
    cancel: 'cancel',
    lock: 'lock',
    raw: 'raw',
    logs: 'logs',
  }),
});
