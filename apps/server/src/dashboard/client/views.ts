import type { Decision, DecisionAction, RunEvent, TaskStep } from '@baton/core';
import type { Baton, TaskInfo } from '@baton/sdk';
import { type Child, h } from './dom.js';
import {
  attemptsSpend,
  clock,
  count,
  eventLine,
  rate,
  runReportOf,
  spendText,
  taskSpend,
  UNKNOWN,
  usd,
} from './format.js';

/** `GET /v1/runs/:id`. */
export type RunDetails = Awaited<ReturnType<Baton['runs']['get']>>;

/** A run as `GET /v1/runs` lists it. */
export type RunSummary = Awaited<ReturnType<Baton['runs']['list']>>['runs'][number];

/** A composition as `GET /v1/compositions` lists it (the fields shown). */
export interface CompositionView {
  id: string;
  taskPattern: string;
  strategy: string;
  agents: Array<{ id: string; tier?: string | undefined }>;
  usageCount: number;
  successRate: number;
  avgQualityScore: number | null;
  qualityScoreCount: number;
  costCount: number;
  totalCostUsd: number;
  lastUsed?: string | undefined;
}

/** A task with the events its stream brought so far. */
export interface TaskRow {
  task: TaskInfo;
  events: readonly RunEvent[];
}

type Progress = { done: number; total: number; percent: number };

/** The latest progress: from the stream's events, else (none, or fewer than the task has) the task's. */
export function latestProgress(row: TaskRow): Progress | null {
  if (row.events.length < row.task.events) return row.task.progress;
  for (let index = row.events.length - 1; index >= 0; index -= 1) {
    const event = row.events[index]!;
    if (event.type === 'step-end' || event.type === 'run-end') return event.progress;
  }
  return row.task.progress;
}

/** A table with a header row. */
function table(id: string, headings: readonly string[], rows: readonly HTMLElement[]): HTMLElement {
  return h(
    'table',
    { id },
    h('thead', {}, h('tr', {}, ...headings.map((name) => h('th', {}, name)))),
    h('tbody', {}, ...rows),
  );
}

function statusBadge(status: string): HTMLElement {
  return h('span', { class: 'status', 'data-status': status }, status);
}

function progressBar(progress: Progress | null): HTMLElement {
  if (progress === null) return h('span', { class: 'progress muted' }, 'not started');
  return h(
    'span',
    { class: 'progress', 'data-percent': progress.percent },
    h('progress', { max: 100, value: progress.percent, 'aria-label': 'progress' }),
    ` ${progress.done}/${progress.total} steps · ${progress.percent}%`,
  );
}

/** The tasks table; a click selects a task. */
export function tasksView(
  rows: readonly TaskRow[],
  selected: string | undefined,
  onSelect: (taskId: string) => void,
): Child[] {
  if (rows.length === 0) return [h('p', { class: 'muted' }, 'No tasks yet.')];
  const head = ['Task', 'Type', 'Status', 'Progress', 'Tokens', 'Cost', 'Started'];
  return [
    table(
      'task-table',
      head,
      rows.map((row) => {
        const { task } = row;
        const spend = taskSpend(task, row.events);
        return h(
          'tr',
          {
            class: task.id === selected ? 'selectable selected' : 'selectable',
            'data-task-id': task.id,
            'aria-selected': String(task.id === selected),
            onclick: () => onSelect(task.id),
          },
          h('td', {}, h('strong', {}, task.description), h('div', { class: 'muted' }, task.id)),
          h('td', {}, task.type),
          h('td', {}, statusBadge(task.status)),
          h('td', {}, progressBar(latestProgress(row))),
          h('td', { class: 'number tokens' }, spend.tokens),
          h('td', { class: 'number cost' }, spend.cost),
          h('td', {}, clock(task.startedAt)),
        );
      }),
    ),
  ];
}

/** The runs stored in the project, the ones the CLI started too (newest first). */
export function runsView(runs: readonly RunSummary[]): Child[] {
  if (runs.length === 0) return [h('p', { class: 'muted' }, 'No runs stored yet.')];
  return [
    table(
      'run-table',
      ['Run', 'Task', 'Strategy', 'Status', 'Progress', 'Created'],
      runs.map((run) =>
        h(
          'tr',
          { 'data-run-id': run.id },
          h('td', {}, run.id),
          h('td', {}, run.task ?? UNKNOWN),
          h('td', {}, run.strategy ?? UNKNOWN),
          h('td', {}, statusBadge(run.crashed ? 'crashed' : run.status)),
          h('td', {}, progressBar(run.progress)),
          h('td', {}, clock(run.createdAt)),
        ),
      ),
    ),
  ];
}

/** The pending decisions with their Approve and Reject buttons. */
export function decisionsView(
  decisions: readonly Decision[],
  state: { busy: ReadonlySet<string>; errors: ReadonlyMap<string, string> },
  onDecide: (decisionId: string, action: DecisionAction) => void,
): Child[] {
  if (decisions.length === 0) return [h('p', { class: 'muted' }, 'No decision waits.')];
  return decisions.map((decision) => {
    const busy = state.busy.has(decision.id);
    return h(
      'div',
      { class: 'decision', 'data-decision-id': decision.id },
      h('strong', {}, `${decision.kind} · step ${decision.stepId}`),
      h('p', {}, decision.reason),
      h(
        'p',
        { class: 'muted' },
        `run ${decision.runId} · asked ${clock(decision.createdAt)} · if nobody answers: ${decision.defaultAction}${decision.deadline === undefined ? '' : ` at ${clock(decision.deadline)}`}`,
      ),
      h(
        'button',
        { type: 'button', disabled: busy, onclick: () => onDecide(decision.id, 'approve') },
        'Approve',
      ),
      h(
        'button',
        { type: 'button', disabled: busy, onclick: () => onDecide(decision.id, 'reject') },
        'Reject',
      ),
      state.errors.has(decision.id)
        ? h('p', { class: 'error', role: 'alert' }, state.errors.get(decision.id)!)
        : null,
    );
  });
}

/** A step's status: from the live events when they tell, else the run's record. */
function stepStatus(stepId: string, events: readonly RunEvent[], run: RunDetails): string {
  let status: string | undefined;
  for (const event of events) {
    if (event.stepId !== stepId) continue;
    if (event.type === 'step-start') status = 'running';
    else if (event.type === 'decision-pending') status = 'awaiting decision';
    else if (event.type === 'decision-resolved') status = event.decision.status;
    else if (event.type === 'step-end') status = event.status;
  }
  return status ?? run.steps[stepId]?.status ?? 'pending';
}

/** Steps by dependency depth: the columns of the graph. */
function levels(steps: readonly TaskStep[]): TaskStep[][] {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map<string, number>();
  const depthOf = (step: TaskStep, seen: Set<string>): number => {
    const known = depth.get(step.id);
    if (known !== undefined) return known;
    if (seen.has(step.id)) return 0;
    seen.add(step.id);
    const parents = step.dependsOn.flatMap((id) => byId.get(id) ?? []);
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(p, seen)));
    depth.set(step.id, value);
    return value;
  };
  const columns: TaskStep[][] = [];
  for (const step of steps) {
    const level = depthOf(step, new Set());
    columns[level] = [...(columns[level] ?? []), step];
  }
  return columns.filter((column) => column !== undefined);
}

function graphView(run: RunDetails, events: readonly RunEvent[]): HTMLElement {
  return h(
    'div',
    { class: 'graph', id: 'task-graph' },
    ...levels(run.run.graph.steps).map((column) =>
      h(
        'div',
        { class: 'level' },
        ...column.map((step) => {
          const status = stepStatus(step.id, events, run);
          const record = run.steps[step.id];
          const spend = record === undefined ? undefined : attemptsSpend(record.attempts);
          return h(
            'div',
            { class: 'step', 'data-step-id': step.id, 'data-status': status },
            h('strong', {}, step.label ?? step.id),
            h(
              'div',
              {},
              step.agent === undefined
                ? (step.kind ?? 'step')
                : `${step.agent.role ?? step.agent.id} · tier ${step.agent.tier ?? UNKNOWN}`,
            ),
            h('div', {}, statusBadge(status)),
            h(
              'div',
              { class: 'step-spend' },
              spend === undefined
                ? 'not finished'
                : `${record!.attempts.length} attempt(s) · tokens ${spend.tokens} · cost ${spend.cost}`,
            ),
            step.dependsOn.length === 0
              ? null
              : h('div', { class: 'after' }, `after ${step.dependsOn.join(', ')}`),
          );
        }),
      ),
    ),
  );
}

function agentsView(task: TaskInfo): Child[] {
  const report = runReportOf(task);
  if (report === undefined) return [];
  const totals = spendText({
    tokens: report.totals.totalTokens,
    costUsd: report.totals.pricedCostUsd,
    unpriced: report.totals.unpricedAttempts,
    unmeasured: report.totals.unmeasuredAttempts,
  });
  const head = ['Step', 'Agent', 'Tier', 'Status', 'Attempts', 'Tokens', 'Cost', 'Confidence'];
  return [
    h('h3', {}, 'Agents (measured)'),
    table(
      'agents',
      head,
      report.agents.map((agent) =>
        h(
          'tr',
          { 'data-agent-id': agent.agentId },
          h('td', {}, agent.stepId),
          h('td', {}, agent.agentId, agent.answeredBy === null ? null : ` (${agent.answeredBy})`),
          h('td', {}, agent.tier ?? UNKNOWN),
          h('td', {}, statusBadge(agent.status)),
          h('td', { class: 'number' }, agent.attempts),
          h('td', { class: 'number tokens' }, count(agent.totalTokens)),
          h('td', { class: 'number cost' }, usd(agent.costUsd)),
          h(
            'td',
            { class: 'number' },
            agent.confidence === null ? UNKNOWN : agent.confidence.toFixed(2),
          ),
        ),
      ),
    ),
    h(
      'p',
      { id: 'totals' },
      `Total: ${report.totals.agents} agent run(s) · tokens ${totals.tokens} · cost ${totals.cost}`,
    ),
    ...report.totals.notes.map((note) => h('p', { class: 'muted' }, note)),
  ];
}

/** The selected task: its run's graph and steps, the agents' measured figures, its log. */
export function detailView(model: {
  task: TaskInfo;
  events: readonly RunEvent[];
  run: RunDetails | undefined;
  runError: string | undefined;
}): Child[] {
  const { task, events, run } = model;
  const progress = latestProgress({ task, events });
  return [
    h('h3', { id: 'detail-title' }, task.description),
    h(
      'p',
      {},
      statusBadge(task.status),
      ` · ${task.type} · priority ${task.priority} · task ${task.id} · run ${task.runId ?? 'not started'}`,
      run === undefined ? null : ` · strategy ${run.strategy ?? UNKNOWN}`,
    ),
    h('p', {}, progressBar(progress)),
    task.error === null ? null : h('p', { class: 'error' }, task.error),
    h('h3', {}, 'Task graph'),
    run === undefined
      ? h(
          'p',
          { class: 'muted' },
          model.runError ?? (task.runId === null ? 'No run yet.' : 'Loading…'),
        )
      : graphView(run, events),
    run?.quality === null || run?.quality === undefined
      ? null
      : h('p', { id: 'quality' }, `Quality: ${run.quality.quality.summary}`),
    ...agentsView(task),
    h('h3', {}, `Log (${events.length} events)`),
    h(
      'ol',
      { class: 'log', id: 'log' },
      ...events.map((event) =>
        h('li', { 'data-type': event.type }, `${clock(event.timestamp)} ${eventLine(event)}`),
      ),
    ),
  ];
}

/** Learned compositions with their measured success rates and quality. */
export function compositionsView(
  compositions: readonly CompositionView[],
  problems: readonly { file?: string; reason?: string; message?: string }[],
): Child[] {
  const notes = problems.map((problem) =>
    h('p', { class: 'error' }, problem.message ?? `${problem.file ?? ''}: ${problem.reason ?? ''}`),
  );
  if (compositions.length === 0)
    return [h('p', { class: 'muted' }, 'No compositions learned yet.'), ...notes];
  const head = [
    'Composition',
    'Task pattern',
    'Strategy',
    'Agents',
    'Runs',
    'Success rate',
    'Quality',
    'Average cost',
  ];
  return [
    table(
      'composition-table',
      head,
      compositions.map((composition) =>
        h(
          'tr',
          { 'data-composition-id': composition.id },
          h('td', {}, composition.id),
          h('td', {}, composition.taskPattern),
          h('td', {}, composition.strategy),
          h(
            'td',
            {},
            composition.agents.map((agent) => `${agent.id} (${agent.tier ?? UNKNOWN})`).join(', '),
          ),
          h('td', { class: 'number' }, composition.usageCount),
          h(
            'td',
            { class: 'number success-rate' },
            composition.usageCount === 0 ? UNKNOWN : rate(composition.successRate),
          ),
          h(
            'td',
            { class: 'number quality' },
            composition.qualityScoreCount === 0 || composition.avgQualityScore === null
              ? UNKNOWN
              : `${Number(composition.avgQualityScore.toFixed(1))} (${composition.qualityScoreCount} scored)`,
          ),
          h(
            'td',
            { class: 'number' },
            composition.costCount === 0
              ? UNKNOWN
              : usd(composition.totalCostUsd / composition.costCount),
          ),
        ),
      ),
    ),
    ...notes,
  ];
}
