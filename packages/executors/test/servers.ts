/**
 * Local HTTP servers speaking the Anthropic Messages and OpenAI Chat Completions protocols
 * (JSON and SSE streaming), with scripted replies including errors such as 429 with Retry-After
 * and 401. Test utilities only: never shipped in dist.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply of the server. */
export type ScriptedReply =
  | { type: 'text'; text: string; inputTokens?: number; outputTokens?: number }
  | {
      type: 'tool-call';
      name: string;
      input: Record<string, unknown>;
      id?: string;
      inputTokens?: number;
      outputTokens?: number;
    }
  | { type: 'error'; status: number; headers?: Record<string, string>; message?: string }
  /** Never answers (until the client gives up or the server closes). */
  | { type: 'hang' };

/** A request the server received. */
export interface RecordedRequest {
  protocol: 'anthropic' | 'openai' | 'responses' | 'gemini' | 'other';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
  stream: boolean;
}

/** Options for {@link startModelServer}. */
export interface ModelServerOptions {
  /**
   * Replies in order (the last one repeats), or a function choosing the reply for each model
   * request (0-based index among model requests).
   */
  replies: ScriptedReply[] | ((request: RecordedRequest, index: number) => ScriptedReply);
  /** Model name reported back; default: the requested model. */
  model?: string;
}

/** A running server. */
export interface ModelServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/v1`, the base URL the AI SDK providers expect. */
  baseURL: string;
  /** Every request received, model calls and others. */
  requests: RecordedRequest[];
  /** Model requests only (Messages, Chat Completions, Responses, Gemini generateContent). */
  modelRequests(): RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a free port. */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  let modelIndex = 0;
  const pick = (request: RecordedRequest): ScriptedReply => {
    const index = modelIndex;
    modelIndex += 1;
    if (typeof options.replies === 'function') return options.replies(request, index);
    const list = options.replies;
    return (
      list[Math.min(index, list.length - 1)] ?? {
        type: 'error',
        status: 500,
        message: 'no reply scripted',
      }
    );
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const protocol =
      req.method === 'POST' && path.endsWith('/messages')
        ? 'anthropic'
        : req.method === 'POST' && path.endsWith('/chat/completions')
          ? 'openai'
          : req.method === 'POST' && path.endsWith('/responses')
            ? 'responses'
            : req.method === 'POST' && /:(?:stream)?[gG]enerateContent$/.test(path)
              ? 'gemini'
              : 'other';
    const recorded: RecordedRequest = {
      protocol,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      stream: body?.stream === true,
    };
    requests.push(recorded);
    if (protocol === 'other') {
      sendJson(res, 404, {
        error: { type: 'not_found_error', message: `no route ${req.method} ${path}` },
      });
      return;
    }
    const reply = pick(recorded);
    if (protocol === 'gemini') recorded.stream = path.endsWith(':streamGenerateContent');
    const model =
      options.model ??
      (typeof body?.model === 'string'
        ? body.model
        : (/\/models\/([^:]+):/.exec(path)?.[1] ?? 'test-model'));
    if (reply.type === 'hang') return;
    if (reply.type === 'error') {
      sendError(res, protocol, reply);
      return;
    }
    if (protocol === 'gemini') {
      if (recorded.stream) sse(res, [[undefined, geminiResponse(reply, model)]]);
      else sendJson(res, 200, geminiResponse(reply, model));
    } else if (protocol === 'responses') {
      if (recorded.stream) responsesStream(res, reply, model);
      else sendJson(res, 200, responsesObject(reply, model));
    } else if (protocol === 'anthropic') {
      if (recorded.stream) anthropicStream(res, reply, model);
      else sendJson(res, 200, anthropicMessage(reply, model));
    } else if (recorded.stream) {
      openaiStream(res, reply, model, body);
    } else {
      sendJson(res, 200, openaiCompletion(reply, model));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    modelRequests: () => requests.filter((request) => request.protocol !== 'other'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Answer = Exclude<ScriptedReply, { type: 'error' } | { type: 'hang' }>;

function tokens(reply: Answer) {
  return { input: reply.inputTokens ?? 100, output: reply.outputTokens ?? 50 };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  protocol: 'anthropic' | 'openai' | 'responses' | 'gemini',
  reply: Extract<ScriptedReply, { type: 'error' }>,
): void {
  const message = reply.message ?? `scripted error ${reply.status}`;
  const kind =
    reply.status === 429
      ? 'rate_limit_error'
      : reply.status === 401
        ? 'authentication_error'
        : reply.status >= 500
          ? 'api_error'
          : 'invalid_request_error';
  const geminiStatus =
    reply.status === 429
      ? 'RESOURCE_EXHAUSTED'
      : reply.status === 401
        ? 'UNAUTHENTICATED'
        : reply.status >= 500
          ? 'INTERNAL'
          : 'INVALID_ARGUMENT';
  const body =
    protocol === 'anthropic'
      ? { type: 'error', error: { type: kind, message } }
      : protocol === 'gemini'
        ? { error: { code: reply.status, message, status: geminiStatus } }
        : { error: { message, type: kind, code: reply.status === 401 ? 'invalid_api_key' : null } };
  sendJson(res, reply.status, body, reply.headers);
}

function anthropicMessage(reply: Answer, model: string) {
  const { input, output } = tokens(reply);
  const content =
    reply.type === 'text'
      ? [{ type: 'text', text: reply.text }]
      : [{ type: 'tool_use', id: reply.id ?? 'toolu_1', name: reply.name, input: reply.input }];
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: reply.type === 'text' ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output },
  };
}

function sse(res: ServerResponse, events: Array<[string | undefined, unknown]>): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const [event, data] of events) {
    res.write(
      `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    );
  }
  res.end();
}

function anthropicStream(res: ServerResponse, reply: Answer, model: string): void {
  const { input, output } = tokens(reply);
  const events: Array<[string, unknown]> = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: 'msg_test',
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: input, output_tokens: 1 },
        },
      },
    ],
  ];
  if (reply.type === 'text') {
    events.push([
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ]);
    events.push(['ping', { type: 'ping' }]);
    for (const piece of split(reply.text)) {
      events.push([
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } },
      ]);
    }
  } else {
    events.push([
      'content_block_start',
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: reply.id ?? 'toolu_1', name: reply.name, input: {} },
      },
    ]);
    for (const piece of split(JSON.stringify(reply.input))) {
      events.push([
        'content_block_delta',
        {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: piece },
        },
      ]);
    }
  }
  events.push(['content_block_stop', { type: 'content_block_stop', index: 0 }]);
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: reply.type === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: { output_tokens: output },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  sse(res, events);
}

function openaiCompletion(reply: Answer, model: string) {
  const { input, output } = tokens(reply);
  const message =
    reply.type === 'text'
      ? { role: 'assistant', content: reply.text }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: reply.id ?? 'call_1',
              type: 'function',
              function: { name: reply.name, arguments: JSON.stringify(reply.input) },
            },
          ],
        };
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: reply.type === 'text' ? 'stop' : 'tool_calls' }],
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
  };
}

function openaiStream(
  res: ServerResponse,
  reply: Answer,
  model: string,
  body: Record<string, unknown> | undefined,
): void {
  const { input, output } = tokens(reply);
  const base = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
  };
  const events: Array<[undefined, unknown]> = [];
  if (reply.type === 'text') {
    events.push([
      undefined,
      {
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      },
    ]);
    for (const piece of split(reply.text)) {
      events.push([
        undefined,
        { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] },
      ]);
    }
  } else {
    const args = JSON.stringify(reply.input);
    events.push([
      undefined,
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              role: 'assistant',
              tool_calls: [
                {
                  index: 0,
                  id: reply.id ?? 'call_1',
                  type: 'function',
                  function: { name: reply.name, arguments: '' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      },
    ]);
    events.push([
      undefined,
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: args } }] },
            finish_reason: null,
          },
        ],
      },
    ]);
  }
  events.push([
    undefined,
    {
      ...base,
      choices: [
        { index: 0, delta: {}, finish_reason: reply.type === 'text' ? 'stop' : 'tool_calls' },
      ],
    },
  ]);
  const options = body?.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage === true) {
    events.push([
      undefined,
      {
        ...base,
        choices: [],
        usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
      },
    ]);
  }
  events.push([undefined, '[DONE]']);
  sse(res, events);
}

function split(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size)
    pieces.push(text.slice(index, index + size));
  return pieces.length === 0 ? [''] : pieces;
}

function responsesOutputItem(reply: Answer) {
  return reply.type === 'text'
    ? {
        type: 'message',
        id: 'msg_test',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: reply.text, annotations: [] }],
      }
    : {
        type: 'function_call',
        id: 'fc_test',
        call_id: reply.id ?? 'call_1',
        name: reply.name,
        arguments: JSON.stringify(reply.input),
        status: 'completed',
      };
}

function responsesObject(reply: Answer, model: string, status = 'completed') {
  const { input, output } = tokens(reply);
  return {
    id: 'resp_test',
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output: status === 'completed' ? [responsesOutputItem(reply)] : [],
    usage: {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
    },
  };
}

/** OpenAI Responses API streaming (what `codex` speaks). */
function responsesStream(res: ServerResponse, reply: Answer, model: string): void {
  const item = responsesOutputItem(reply);
  const events: Array<[string, unknown]> = [
    [
      'response.created',
      {
        type: 'response.created',
        sequence_number: 0,
        response: responsesObject(reply, model, 'in_progress'),
      },
    ],
    [
      'response.output_item.added',
      {
        type: 'response.output_item.added',
        sequence_number: 1,
        output_index: 0,
        item: { ...item, status: 'in_progress' },
      },
    ],
  ];
  if (reply.type === 'text') {
    for (const piece of split(reply.text)) {
      events.push([
        'response.output_text.delta',
        {
          type: 'response.output_text.delta',
          sequence_number: events.length,
          item_id: 'msg_test',
          output_index: 0,
          content_index: 0,
          delta: piece,
        },
      ]);
    }
  }
  events.push([
    'response.output_item.done',
    { type: 'response.output_item.done', sequence_number: events.length, output_index: 0, item },
  ]);
  events.push([
    'response.completed',
    {
      type: 'response.completed',
      sequence_number: events.length,
      response: responsesObject(reply, model),
    },
  ]);
  sse(res, events);
}

/** Gemini `generateContent` / one `streamGenerateContent` SSE chunk (what `gemini` speaks). */
function geminiResponse(reply: Answer, model: string) {
  const { input, output } = tokens(reply);
  const part =
    reply.type === 'text'
      ? { text: reply.text }
      : { functionCall: { name: reply.name, args: reply.input } };
  return {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: input,
      candidatesTokenCount: output,
      totalTokenCount: input + output,
    },
    modelVersion: model,
  };
}
