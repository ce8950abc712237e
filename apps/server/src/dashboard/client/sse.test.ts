import type { RunEvent } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { type Api, ApiError } from './api.js';
import { followTaskEvents, SseParser } from './sse.js';

const encoder = new TextEncoder();

function body(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

const event = (seq: number) =>
  JSON.stringify({ type: 'run-notice', message: `n${seq}`, runId: 'r', seq, timestamp: '' });

describe('SseParser', () => {
  it('splits events across chunks and line endings, keeping ids, names and multi-line data', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"a"')).toEqual([]);
    expect(
      parser.push(':1}\nid: 1\n\n: a comment\r\nevent: task-end\r\ndata: x\r\ndata: y\r\n'),
    ).toEqual([{ id: '1', event: 'message', data: '{"a":1}' }]);
    expect(parser.push('\r\n')).toEqual([{ id: '1', event: 'task-end', data: 'x\ny' }]);
    expect(parser.push('id\n\n')).toEqual([]);
  });
});

describe('followTaskEvents', () => {
  it('reconnects after a dropped stream with Last-Event-ID and ends at task-end, nothing repeated', async () => {
    const asked: Array<number | undefined> = [];
    const answers = [
      body(`data: ${event(1)}\nid: 1\n\n`, `data: ${event(2)}\nid: 2\n\n`),
      body(
        `data: ${event(2)}\nid: 2\n\n`,
        `data: ${event(3)}\nid: 3\n\n`,
        'event: task-end\ndata: {"taskId":"t","status":"succeeded","runId":"r","error":null}\n\n',
      ),
    ];
    const api = {
      stream: async (_path: string, options: { lastEventId?: number }) => {
        asked.push(options.lastEventId);
        return answers.shift()!;
      },
    } as unknown as Api;
    const seen: number[] = [];
    const ends: string[] = [];
    await followTaskEvents({
      api,
      taskId: 't',
      signal: new AbortController().signal,
      retryMs: 1,
      onEvent: (id, received: RunEvent) => {
        seen.push(id);
        expect(received.seq).toBe(id);
      },
      onEnd: (end) => ends.push(end.status),
    });
    expect(asked).toEqual([0, 2]);
    expect(seen).toEqual([1, 2, 3]);
    expect(ends).toEqual(['succeeded']);
  });

  it('throws when the server refuses the stream (a wrong token, an unknown task)', async () => {
    const api = {
      stream: async () => {
        throw new ApiError(401, '401: missing or wrong bearer token');
      },
    } as unknown as Api;
    await expect(
      followTaskEvents({
        api,
        taskId: 't',
        signal: new AbortController().signal,
        onEvent: () => {},
        onEnd: () => {},
      }),
    ).rejects.toThrow('401: missing or wrong bearer token');
  });
});
