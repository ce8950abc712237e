/**
 * The dashboard: asks for the server's token once (kept in this tab's sessionStorage), then
 * shows the tasks with live progress from their event streams, the selected run's graph, agents
 * and log, the pending decisions with Approve / Reject, and the learned compositions. Every
 * figure is the API's; where it reports none the page says `unknown`.
 */
import type { Decision, DecisionAction, RunEvent } from '@baton/core';
import type { TaskInfo } from '@baton/sdk';
import { type Api, ApiError, createApi } from './api.js';
import { renderInto } from './dom.js';
import { clock } from './format.js';
import { followTaskEvents } from './sse.js';
import {
  type CompositionView,
  compositionsView,
  decisionsView,
  detailView,
  type RunDetails,
  type RunSummary,
  runsView,
  tasksView,
} from './views.js';

const TOKEN_KEY = 'baton-server-token';
/** Event streams open at once; the browser allows six connections to a server. */
const MAX_STREAMS = 4;
const POLL_MS = 2500;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface CompositionList {
  compositions: CompositionView[];
  problems: Array<{ file?: string; reason?: string; message?: string }>;
}

interface Live {
  events: RunEvent[];
  streaming: boolean;
  /** How the last stream ended (`paused`: follow again once the task runs). */
  endStatus: string | undefined;
}

class Dashboard {
  readonly #api: Api;
  readonly #stop = new AbortController();
  #tasks: TaskInfo[] = [];
  readonly #live = new Map<string, Live>();
  #decisions: Decision[] = [];
  #runs: RunSummary[] = [];
  readonly #deciding = new Set<string>();
  readonly #decisionErrors = new Map<string, string>();
  #compositions: CompositionList = { compositions: [], problems: [] };
  #selected: string | undefined;
  #run: RunDetails | undefined;
  #runError: string | undefined;
  #refreshing = false;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly #onRefused: (message: string) => void;

  constructor(api: Api, onRefused: (message: string) => void) {
    this.#api = api;
    this.#onRefused = onRefused;
  }

  start(): void {
    this.refreshSoon(0);
  }

  stop(): void {
    this.#stop.abort();
    clearTimeout(this.#timer);
  }

  /** Refreshes everything after `delay` ms (events ask for a quick one; the poll is slower). */
  refreshSoon(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refresh(), delay);
  }

  async #refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return;
    }
    this.#refreshing = true;
    try {
      const signal = this.#stop.signal;
      const [tasks, decisions, runs, compositions] = await Promise.all([
        this.#api.get<{ tasks: TaskInfo[] }>('/v1/tasks', { signal }),
        this.#api.get<{ decisions: Decision[] }>('/v1/decisions?status=pending', { signal }),
        this.#api.get<{ runs: RunSummary[] }>('/v1/runs?limit=20', { signal }),
        this.#api.get<CompositionList>('/v1/compositions', { signal }),
      ]);
      this.#tasks = [...tasks.tasks].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      this.#decisions = decisions.decisions;
      this.#runs = runs.runs;
      this.#compositions = compositions;
      this.#selected ??= this.#tasks[0]?.id;
      await this.#refreshRun(signal);
      this.#openStreams();
      byId('connection').textContent = `connected · updated ${clock(new Date().toISOString())}`;
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        this.stop();
        this.#onRefused(error.message);
        return;
      }
      byId('connection').textContent = `not updated: ${(error as Error).message}`;
    } finally {
      this.#refreshing = false;
    }
    this.render();
    if (this.#again) {
      this.#again = false;
      this.refreshSoon(0);
    } else {
      this.refreshSoon(POLL_MS);
    }
  }

  async #refreshRun(signal: AbortSignal): Promise<void> {
    const task = this.#tasks.find((candidate) => candidate.id === this.#selected);
    if (task?.runId === null || task?.runId === undefined) {
      this.#run = undefined;
      return;
    }
    try {
      this.#run = await this.#api.get<RunDetails>(`/v1/runs/${encodeURIComponent(task.runId)}`, {
        signal,
      });
      this.#runError = undefined;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      this.#run = undefined;
      this.#runError = 'The run has no record yet.';
    }
  }

  /** Streams the selected task and the running or paused ones, at most {@link MAX_STREAMS}. */
  #openStreams(): void {
    const open = [...this.#live.values()].filter((live) => live.streaming).length;
    const wanted = this.#tasks.filter(
      (task) => task.id === this.#selected || task.status === 'running' || task.status === 'paused',
    );
    wanted.sort((a, b) => Number(b.id === this.#selected) - Number(a.id === this.#selected));
    let slots = MAX_STREAMS - open;
    for (const task of wanted) {
      if (slots <= 0) break;
      const live = this.#live.get(task.id) ?? {
        events: [],
        streaming: false,
        endStatus: undefined,
      };
      if (live.streaming || (live.endStatus !== undefined && FINISHED.has(live.endStatus)))
        continue;
      if (live.endStatus === 'paused' && task.status === 'paused') continue;
      slots -= 1;
      this.#live.set(task.id, live);
      this.#follow(task.id, live);
    }
  }

  #follow(taskId: string, live: Live): void {
    live.streaming = true;
    followTaskEvents({
      api: this.#api,
      taskId,
      afterId: live.events.length,
      signal: this.#stop.signal,
      onEvent: (_id, event) => {
        live.events.push(event);
        this.render();
        this.refreshSoon(300);
      },
      onEnd: (end) => {
        live.endStatus = end.status;
        this.refreshSoon(0);
      },
    })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) this.#onRefused(error.message);
        else live.endStatus = 'failed';
      })
      .finally(() => {
        live.streaming = false;
      });
  }

  async decide(decisionId: string, action: DecisionAction): Promise<void> {
    this.#deciding.add(decisionId);
    this.#decisionErrors.delete(decisionId);
    this.render();
    try {
      await this.#api.post(`/v1/decisions/${encodeURIComponent(decisionId)}`, { action });
      this.#decisions = this.#decisions.filter((decision) => decision.id !== decisionId);
    } catch (error) {
      this.#decisionErrors.set(decisionId, (error as Error).message);
    } finally {
      this.#deciding.delete(decisionId);
      this.render();
      this.refreshSoon(0);
    }
  }

  select(taskId: string): void {
    if (this.#selected === taskId) return;
    this.#selected = taskId;
    this.#run = undefined;
    this.render();
    this.refreshSoon(0);
  }

  render(): void {
    const rows = this.#tasks.map((task) => ({
      task,
      events: this.#live.get(task.id)?.events ?? [],
    }));
    renderInto(byId('tasks'), JSON.stringify([this.#selected, rows.map(rowKey)]), () =>
      tasksView(rows, this.#selected, (taskId) => this.select(taskId)),
    );
    renderInto(
      byId('decisions'),
      JSON.stringify([this.#decisions, [...this.#deciding], [...this.#decisionErrors]]),
      () =>
        decisionsView(
          this.#decisions,
          { busy: this.#deciding, errors: this.#decisionErrors },
          (id, action) => void this.decide(id, action),
        ),
    );
    const selected = rows.find((row) => row.task.id === this.#selected);
    renderInto(
      byId('detail'),
      JSON.stringify([selected && rowKey(selected), this.#run, this.#runError]),
      () =>
        selected === undefined
          ? []
          : detailView({ ...selected, run: this.#run, runError: this.#runError }),
    );
    renderInto(byId('runs'), JSON.stringify(this.#runs), () => runsView(this.#runs));
    renderInto(byId('compositions'), JSON.stringify(this.#compositions), () =>
      compositionsView(this.#compositions.compositions, this.#compositions.problems),
    );
  }
}

function rowKey(row: { task: TaskInfo; events: readonly RunEvent[] }): unknown {
  return [row.task, row.events.length, FINISHED.has(row.task.status)];
}

function boot(): void {
  let dashboard: Dashboard | undefined;
  const login = byId<HTMLElement>('login');
  const app = byId<HTMLElement>('app');
  const forget = byId<HTMLButtonElement>('forget');
  const error = byId<HTMLElement>('login-error');
  const input = byId<HTMLInputElement>('token');

  const showLogin = (message: string) => {
    dashboard?.stop();
    dashboard = undefined;
    sessionStorage.removeItem(TOKEN_KEY);
    app.hidden = true;
    forget.hidden = true;
    login.hidden = false;
    error.textContent = message;
    byId('connection').textContent = '';
    input.focus();
  };
  const open = (token: string) => {
    login.hidden = true;
    app.hidden = false;
    forget.hidden = false;
    dashboard = new Dashboard(createApi(token), (message) =>
      showLogin(`The server refused the token (${message}). Enter it again.`),
    );
    dashboard.start();
  };

  byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === '') {
      error.textContent = 'Enter the server token.';
      return;
    }
    error.textContent = 'Checking the token…';
    createApi(token)
      .get('/v1/state')
      .then(() => {
        sessionStorage.setItem(TOKEN_KEY, token);
        input.value = '';
        error.textContent = '';
        open(token);
      })
      .catch((refusal: unknown) => {
        error.textContent =
          refusal instanceof ApiError && refusal.status === 401
            ? 'That is not the server token (401).'
            : `The server could not check it: ${(refusal as Error).message}`;
      });
  });
  forget.addEventListener('click', () => showLogin('Token forgotten.'));

  const kept = sessionStorage.getItem(TOKEN_KEY);
  if (kept === null) showLogin('');
  else open(kept);
}

boot();
