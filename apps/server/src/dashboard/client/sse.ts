import type { RunEvent } from '@baton/core';
import { type Api, ApiError } from './api.js';

/** One server-sent event. */
export interface SseMessage {
  id: string | undefined;
  /** `message` unless the server named it. */
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream into its events, chunk by chunk (a line or an event may be split
 * across chunks). EventSource cannot send the bearer token, so the page reads the stream itself.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #id: string | undefined;

  /** Takes the next decoded chunk; returns the events it completed. */
  push(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const lines = this.#buffer.split(/\r\n|\r|\n/);
    this.#buffer = lines.pop() ?? '';
    const messages: SseMessage[] = [];
    for (const line of lines) {
      if (line === '') {
        if (this.#data.length > 0) {
          messages.push({
            id: this.#id,
            event: this.#event || 'message',
            data: this.#data.join('\n'),
          });
        }
        this.#data = [];
        this.#event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.#data.push(value);
      else if (field === 'event') this.#event = value;
      else if (field === 'id' && !value.includes('\0')) this.#id = value;
    }
    return messages;
  }
}

/** The last event of a task's stream: how the task stopped. */
export interface TaskEnd {
  taskId: string;
  status: string;
  runId: string | null;
  error: string | null;
}

/**
 * Follows `GET /v1/tasks/:id/events` after event `afterId` until its `task-end` (the task
 * finished, or paused for a decision: follow it again once it runs), reconnecting after a dropped
 * connection with `Last-Event-ID` so that no event is lost or repeated. Refusals (401, 404) throw.
 */
export async function followTaskEvents(options: {
  api: Api;
  taskId: string;
  afterId?: number;
  signal: AbortSignal;
  onEvent(id: number, event: RunEvent): void;
  onEnd(end: TaskEnd): void;
  /** Wait before reconnecting (default 1000 ms). */
  retryMs?: number;
}): Promise<void> {
  let lastId = options.afterId ?? 0;
  while (!options.signal.aborted) {
    try {
      const body = await options.api.stream(
        `/v1/tasks/${encodeURIComponent(options.taskId)}/events`,
        { lastEventId: lastId, signal: options.signal },
      );
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
        for (const message of parser.push(done ? `${text}\n\n` : text)) {
          if (message.event === 'task-end') {
            options.onEnd(JSON.parse(message.data) as TaskEnd);
            return;
          }
          const id = Number(message.id);
          if (!Number.isInteger(id) || id <= lastId) continue;
          lastId = id;
          options.onEvent(id, JSON.parse(message.data) as RunEvent);
        }
        if (done) break;
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) throw error;
    }
    await pause(options.retryMs ?? 1000, options.signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
