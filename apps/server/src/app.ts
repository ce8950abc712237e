import {
  BatonError,
  BatonErrorCode,
  jsonDepthExceeds,
  type Logger,
  MAX_JSON_DEPTH,
  noopLogger,
  parseWith,
  ValidationError,
} from '@baton/core';
import { type Baton, needsApproval, TaskQueueFullError, TaskService } from '@baton/sdk';
import { getAllTemplates, getTemplate } from '@baton/templates';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { streamSSE } from 'hono/streaming';
import type { z } from 'zod';
import { DASHBOARD_ASSETS, dashboardResponse } from './dashboard/assets.js';
import { openApiDocument } from './openapi.js';
import {
  compositionListQuerySchema,
  decisionListQuerySchema,
  decisionRequestSchema,
  planRequestSchema,
  processRequestSchema,
  runEventsQuerySchema,
  runListQuerySchema,
  taskEventsQuerySchema,
  taskListQuerySchema,
  taskSubmissionSchema,
} from './schemas.js';
import { malformedEncoding, tokenMatches } from './security.js';

/** Options of {@link createServerApp}. */
export interface ServerAppOptions {
  /** The Baton the routes call (`createBaton()` of `@baton/sdk`). */
  baton: Baton;
  /** The bearer token every route but `/health` and the dashboard's files requires. */
  token: string;
  /** The task queue (default: a new one over `baton` with `concurrency`). */
  tasks?: TaskService | undefined;
  /** Tasks running at once when the app makes its own queue (default 2). */
  concurrency?: number | undefined;
  /**
   * Host names a request may be addressed to (the `Host` header, against DNS rebinding). Default
   * the loopback names `127.0.0.1`, `localhost`, `::1`; `['*']` accepts any.
   */
  allowedHosts?: readonly string[] | undefined;
  /** Other origins whose pages may call the API (CORS is answered only for them). Default none. */
  allowedOrigins?: readonly string[] | undefined;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number | undefined;
  /** Deepest nesting of arrays and objects in a JSON body (default 32). */
  maxJsonDepth?: number | undefined;
  logger?: Logger | undefined;
}

/** One route: what the app serves and what `/openapi.json` documents, from the same schemas. */
export interface RouteSpec {
  method: 'get' | 'post' | 'delete';
  /** Hono path, e.g. `/v1/tasks/:id`. */
  path: string;
  summary: string;
  body?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  /** Status of a success (default 200). */
  status?: number | undefined;
  /** Answers `text/event-stream`. */
  events?: boolean | undefined;
  /** False only for `/health`. */
  auth?: boolean | undefined;
  handle(request: {
    context: Context;
    params: Record<string, string>;
    body: unknown;
    query: unknown;
  }): Promise<unknown>;
}

/** The loopback names the server answers by default. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * The orchestrator as a service: a Hono app over one Baton (`app.fetch` is a standard fetch
 * handler; mount it in your own Hono or Node server, or start it with `baton serve`).
 *
 * @example
 * ```ts
 * import { createBaton } from '@baton/sdk';
 * import { createServerApp } from '@baton/server';
 * import { serve } from '@hono/node-server';
 *
 * const { app } = createServerApp({ baton: createBaton(), token: process.env.BATON_SERVER_TOKEN! });
 * serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 4567 });
 * ```
 */
export function createServerApp(options: ServerAppOptions): {
  app: Hono;
  fetch: Hono['fetch'];
  tasks: TaskService;
  routes: readonly RouteSpec[];
} {
  if (typeof options?.token !== 'string' || options.token.length < 16) {
    throw new ValidationError('token', 'must be a string of at least 16 characters');
  }
  const { baton, token } = options;
  const logger = options.logger ?? noopLogger;
  const tasks =
    options.tasks ?? new TaskService({ baton, concurrency: options.concurrency, logger });
  const allowedHosts = new Set((options.allowedHosts ?? LOOPBACK_HOSTS).map(normaliseHost));
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxJsonDepth = options.maxJsonDepth ?? MAX_JSON_DEPTH;
  const routes = apiRoutes(baton, tasks);
  const app = new Hono();

  app.onError((error, c) => errorResponse(c, error, logger));
  app.notFound((c) =>
    c.json(
      {
        error: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
        code: 'BATON_NOT_FOUND',
      },
      404,
    ),
  );
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    if (!allowedHosts.has('*') && !allowedHosts.has(normaliseHost(url.hostname))) {
      throw new HttpError(403, `host "${url.hostname}" is not served here`, 'BATON_FORBIDDEN');
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== url.origin && !allowedOrigins.has(origin)) {
      throw new HttpError(403, `origin "${origin}" may not call this server`, 'BATON_FORBIDDEN');
    }
    const malformed = malformedEncoding(url);
    if (malformed !== undefined) throw new HttpError(400, malformed, BatonErrorCode.VALIDATION);
    await next();
  });
  if (allowedOrigins.size > 0) {
    app.use(
      cors({
        origin: [...allowedOrigins],
        allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
        allowMethods: ['GET', 'POST', 'DELETE'],
      }),
    );
  }
  app.use(async (c, next) => {
    if (servedWithoutToken(c.req.method, new URL(c.req.url).pathname)) return next();
    const header = c.req.header('authorization') ?? '';
    const presented = /^Bearer (.+)$/i.exec(header)?.[1];
    if (presented === undefined || !tokenMatches(presented.trim(), token)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new HttpError(
        401,
        'missing or wrong bearer token (Authorization: Bearer <token>)',
        'BATON_UNAUTHORIZED',
      );
    }
    await next();
  });
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new HttpError(
          413,
          `request body over ${maxBodyBytes} bytes`,
          BatonErrorCode.VALIDATION,
        );
      },
    }),
  );

  for (const [path, asset] of Object.entries(DASHBOARD_ASSETS)) {
    app.get(path, (c) => dashboardResponse(asset, c.req.method));
  }
  for (const route of [...routes, openApiRoute(routes)]) {
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      const body =
        route.body === undefined
          ? undefined
          : parseWith(route.body, await readJson(c, maxJsonDepth), { label: 'body' });
      const query =
        route.query === undefined
          ? undefined
          : parseWith(route.query, Object.fromEntries(new URL(c.req.url).searchParams), {
              label: 'query',
            });
      const answer = await route.handle({ context: c, params: c.req.param(), body, query });
      if (answer instanceof Response) return answer;
      return c.json(answer as object, (route.status ?? 200) as 200);
    });
  }
  return { app, fetch: app.fetch, tasks, routes };
}

/** `/health`, and the dashboard's page and files (they hold no data; its API calls need the token). */
function servedWithoutToken(method: string, path: string): boolean {
  if (path === '/health') return true;
  return (method === 'GET' || method === 'HEAD') && Object.hasOwn(DASHBOARD_ASSETS, path);
}

function openApiRoute(routes: readonly RouteSpec[]): RouteSpec {
  return {
    method: 'get',
    path: '/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    handle: async () => openApiDocument(routes),
  };
}

/** The routes of the API over a Baton and its task queue. */
function apiRoutes(baton: Baton, tasks: TaskService): RouteSpec[] {
  const taskStatus = async (id: string) => ({
    ...tasks.get(id),
    pendingDecisions: await tasks.pendingDecisions(id),
  });
  return [
    {
      method: 'get',
      path: '/health',
      summary: 'Liveness (no token needed)',
      auth: false,
      handle: async () => ({ status: 'ok' }),
    },
    {
      method: 'post',
      path: '/v1/requests',
      summary: 'Process a request: plan it and run it in the background (ProcessRequest)',
      body: processRequestSchema,
      status: 202,
      async handle({ body }) {
        const request = body as z.output<typeof processRequestSchema>;
        const report = await baton.plan(request.description, {
          ...(request.context === undefined ? {} : { context: request.context }),
          graph: true,
        });
        const task = await tasks.submit({
          type: 'run',
          description: request.description,
          priority: request.priority,
          parameters: {
            ...request.preferences,
            ...(request.context === undefined ? {} : { context: request.context }),
            ...(request.constraints === undefined ? {} : { budget: request.constraints }),
          },
        });
        const { plan } = report;
        return {
          requestId: task.id,
          taskId: task.id,
          runId: task.runId,
          status: task.status,
          estimatedCompletion:
            task.status === 'running'
              ? new Date(Date.now() + plan.estimatedDuration * 1000).toISOString()
              : null,
          initialPlan: {
            strategy: plan.strategy,
            complexity: plan.complexity,
            domain: plan.domain,
            agents: plan.agents.map((agent) => ({
              id: agent.id,
              role: agent.role,
              tier: agent.tier,
            })),
            estimatedCostUsd: plan.estimatedCostUsd,
            estimatedDuration: plan.estimatedDuration,
            steps: report.graph?.steps.map((step) => step.id) ?? [],
          },
          requiresApproval: report.graph === undefined ? false : needsApproval(report.graph),
        };
      },
    },
    {
      method: 'post',
      path: '/v1/tasks',
      summary: 'Submit a typed task (TaskSubmission); it queues by priority after its dependencies',
      body: taskSubmissionSchema,
      status: 202,
      async handle({ body }) {
        const task = await tasks.submit(body as z.input<typeof taskSubmissionSchema>);
        return {
          taskId: task.id,
          runId: task.runId,
          status: task.status,
          queuePosition: task.queuePosition ?? 0,
          estimatedStart: task.status === 'running' ? task.startedAt : null,
          estimatedDuration: task.estimatedDurationSeconds,
        };
      },
    },
    {
      method: 'get',
      path: '/v1/tasks',
      summary: 'List tasks (filters: status, type, workflowId)',
      query: taskListQuerySchema,
      handle: async ({ query }) => ({
        tasks: tasks.list(query as z.output<typeof taskListQuerySchema>),
      }),
    },
    {
      method: 'get',
      path: '/v1/tasks/:id',
      summary: "A task's status: progress %, measured spend, pending decisions",
      handle: ({ params }) => taskStatus(params.id!),
    },
    {
      method: 'post',
      path: '/v1/tasks/:id/cancel',
      summary: 'Cancel a task (409 when it has finished)',
      status: 202,
      async handle({ params }) {
        const task = await tasks.cancel(params.id!, { reason: 'cancelled via the server' });
        return { taskId: task.id, status: task.status, runId: task.runId };
      },
    },
    {
      method: 'post',
      path: '/v1/tasks/:id/checkpoint',
      summary: "The steps the task's run has committed (save_checkpoint)",
      handle: ({ params }) => tasks.checkpoint(params.id!),
    },
    {
      method: 'get',
      path: '/v1/tasks/:id/events',
      summary:
        "The task's run events as server-sent events (ids from 1; Last-Event-ID resumes); ends when the task stops",
      query: taskEventsQuerySchema,
      events: true,
      async handle({ context, params, query }) {
        const id = params.id!;
        tasks.get(id);
        const header = context.req.header('last-event-id');
        if (header !== undefined && !/^\d+$/.test(header.trim())) {
          throw new ValidationError('header Last-Event-ID', 'must be a non-negative integer');
        }
        const afterId =
          header !== undefined
            ? Number(header.trim())
            : ((query as z.output<typeof taskEventsQuerySchema>).lastEventId ?? 0);
        return streamSSE(context, async (stream) => {
          const controller = new AbortController();
          stream.onAbort(() => controller.abort());
          for await (const { id: eventId, event } of tasks.events(id, {
            afterId,
            signal: controller.signal,
          })) {
            await stream.writeSSE({ id: String(eventId), data: JSON.stringify(event) });
          }
          if (controller.signal.aborted) return;
          const task = tasks.get(id);
          await stream.writeSSE({
            event: 'task-end',
            data: JSON.stringify({
              taskId: id,
              status: task.status,
              runId: task.runId,
              error: task.error,
            }),
          });
        });
      },
    },
    {
      method: 'get',
      path: '/v1/state',
      summary: 'The orchestrator state: running, queued and paused tasks, pending decisions',
      handle: () => tasks.state(),
    },
    {
      method: 'get',
      path: '/v1/decisions',
      summary: 'Decisions (filters: status, runId)',
      query: decisionListQuerySchema,
      handle: async ({ query }) => {
        const filter = query as z.output<typeof decisionListQuerySchema>;
        const { decisions, problems } = await baton.decisions.list({
          ...(filter.status === undefined ? {} : { status: filter.status }),
          ...(filter.runId === undefined ? {} : { runId: filter.runId }),
        });
        return { decisions, problems };
      },
    },
    {
      method: 'post',
      path: '/v1/decisions/:id',
      summary: 'Approve or reject a decision (409 when already decided); a paused task resumes',
      body: decisionRequestSchema,
      handle: async ({ params, body }) => {
        const { action, note } = body as z.output<typeof decisionRequestSchema>;
        return tasks.decide(params.id!, action, note === undefined ? {} : { note });
      },
    },
    {
      method: 'get',
      path: '/v1/templates',
      summary: 'The agent templates (baton templates list)',
      handle: async () => ({ templates: getAllTemplates() }),
    },
    {
      method: 'get',
      path: '/v1/templates/:id',
      summary: 'One agent template (baton templates show)',
      async handle({ params }) {
        const template = getTemplate(params.id!);
        if (template === undefined) {
          throw new BatonError(BatonErrorCode.NOT_FOUND, `No template "${params.id}"`);
        }
        return template;
      },
    },
    {
      method: 'post',
      path: '/v1/plans',
      summary: "A task's analysis and composed plan, nothing run (baton plan --json)",
      body: planRequestSchema,
      handle: async ({ body }) => {
        const { task, ...rest } = body as z.output<typeof planRequestSchema>;
        return baton.plan(task, rest);
      },
    },
    {
      method: 'get',
      path: '/v1/compositions',
      summary: 'Learned compositions with success rates and quality (baton compositions list)',
      query: compositionListQuerySchema,
      handle: async ({ query }) => {
        const { compositions, problems } = await baton.compositions.list(
          query as z.output<typeof compositionListQuerySchema>,
        );
        return { compositions: compositions.map((config) => config.toJSON()), problems };
      },
    },
    {
      method: 'get',
      path: '/v1/compositions/:id',
      summary: 'One composition (baton compositions show)',
      async handle({ params }) {
        const config = await baton.compositions.get(params.id!);
        if (config === undefined) {
          throw new BatonError(BatonErrorCode.NOT_FOUND, `No composition "${params.id}"`);
        }
        return config.toJSON();
      },
    },
    {
      method: 'delete',
      path: '/v1/compositions/:id',
      summary: 'Delete a composition (baton compositions delete)',
      async handle({ params }) {
        if (!(await baton.compositions.delete(params.id!))) {
          throw new BatonError(BatonErrorCode.NOT_FOUND, `No composition "${params.id}"`);
        }
        return { deleted: params.id };
      },
    },
    {
      method: 'get',
      path: '/v1/runs',
      summary: 'Runs, newest first (baton runs list)',
      query: runListQuerySchema,
      handle: ({ query }) => baton.runs.list(query as z.output<typeof runListQuerySchema>),
    },
    {
      method: 'get',
      path: '/v1/runs/:id',
      summary: 'One run with its steps, decisions and progress (baton runs show)',
      handle: ({ params }) => baton.runs.get(params.id!),
    },
    {
      method: 'get',
      path: '/v1/runs/:id/events',
      summary: "A run's stored events after afterSeq (baton runs logs)",
      query: runEventsQuerySchema,
      async handle({ params, query }) {
        const { afterSeq } = query as z.output<typeof runEventsQuerySchema>;
        await baton.runs.get(params.id!);
        const events = [];
        for await (const event of baton.runs.events(params.id!, {
          ...(afterSeq === undefined ? {} : { afterSeq }),
        })) {
          events.push(event);
        }
        return { events };
      },
    },
    {
      method: 'post',
      path: '/v1/runs/:id/cancel',
      summary: 'Cancel a run, here or in another process (409 when it has finished)',
      status: 202,
      async handle({ params }) {
        const details = await baton.runs.get(params.id!);
        if (details.status !== 'running' && details.status !== 'paused') {
          throw new BatonError(
            BatonErrorCode.CONFLICT,
            `Run ${params.id} is ${details.status}; nothing to cancel`,
          );
        }
        return {
          runId: params.id,
          ...(await baton.cancel(params.id!, { reason: 'cancelled via the server' })),
        };
      },
    },
  ];
}

async function readJson(c: Context, maxDepth: number): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      'body: send JSON with Content-Type: application/json',
      BatonErrorCode.VALIDATION,
    );
  }
  const text = await c.req.text();
  if (text.trim() === '') return {};
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new HttpError(
      400,
      `body: nested deeper than ${maxDepth} levels`,
      BatonErrorCode.VALIDATION,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      `body: not valid JSON (${(error as Error).message})`,
      BatonErrorCode.VALIDATION,
    );
  }
}

const STATUS_OF_CODE: Readonly<Record<string, 400 | 404 | 409>> = {
  [BatonErrorCode.VALIDATION]: 400,
  [BatonErrorCode.CONFIGURATION]: 400,
  [BatonErrorCode.NOT_FOUND]: 404,
  [BatonErrorCode.CONFLICT]: 409,
};

/** Every error as JSON with a code; never a stack trace. */
function errorResponse(c: Context, error: unknown, logger: Logger): Response {
  if (error instanceof HttpError) {
    return c.json({ error: error.message, code: error.code }, error.status);
  }
  if (error instanceof TaskQueueFullError) {
    return c.json({ error: error.message, code: 'BATON_QUEUE_FULL' }, 503);
  }
  if (BatonError.isInstance(error)) {
    const status = STATUS_OF_CODE[error.code];
    if (status !== undefined) {
      const issues = (error as { issues?: unknown }).issues;
      return c.json(
        { error: error.message, code: error.code, ...(Array.isArray(issues) ? { issues } : {}) },
        status,
      );
    }
  }
  logger.error('request failed', {
    path: new URL(c.req.url).pathname,
    error: error instanceof Error ? error.message : String(error),
  });
  return c.json({ error: 'internal error (see the server log)', code: 'BATON_INTERNAL' }, 500);
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}
