import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { ConfigurationStore } from '@baton/config-store';
import { BatonError, BatonErrorCode, parseWith } from '@baton/core';
import { MetaOrchestrator } from '@baton/meta-orchestrator';
import { decisionSchema, RunStore, runStatusSchema } from '@baton/runtime';
import { getAllTemplates, getTemplate } from '@baton/templates';
import { z } from 'zod';

/** Options of {@link createBatonServer}. */
export interface BatonServerOptions {
  /** Project whose `.baton/` state the server reads. Default: the working directory. */
  projectDir?: string;
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
}

const decisionRequestSchema = z.object({ note: z.string().optional() }).strict();
const runListQuerySchema = z.object({
  status: runStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).optional(),
});

const planRequestSchema = z.object({
  task: z.string().trim().min(1, 'must be a non-empty string'),
  context: z.record(z.string(), z.unknown()).optional(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A thin JSON API over the Baton packages, reading and steering the same `.baton/` state as the
 * CLI. Routes: `GET /health`, `GET /templates`, `GET /templates/:id`, `POST /plan`
 * `{ task, context? }`, `GET /compositions`, `GET /runs?status=&limit=`, `GET /runs/:id`,
 * `POST /runs/:id/cancel`, `GET /decisions?status=`, `POST /decisions/:id/approve|reject`
 * `{ note? }`.
 */
export function createBatonServer(options: BatonServerOptions = {}): Server {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const orchestrator = new MetaOrchestrator();
  const store = new ConfigurationStore({
    storageDir: resolve(projectDir, '.baton', 'compositions'),
  });
  const runs = new RunStore({ dir: resolve(projectDir, '.baton') });

  async function route(request: IncomingMessage): Promise<unknown> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET' && path === '/health') return { status: 'ok' };
    if (method === 'GET' && path === '/templates') return getAllTemplates();
    if (method === 'GET' && path.startsWith('/templates/')) {
      const id = decodeURIComponent(path.slice('/templates/'.length));
      const template = getTemplate(id);
      if (template === undefined) throw new HttpError(404, `unknown template "${id}"`);
      return template;
    }
    if (method === 'POST' && path === '/plan') {
      const body = parseWith(planRequestSchema, await readJson(request, maxBodyBytes), {
        label: 'body',
      });
      return orchestrator.analyzeAndCompose(body.task, body.context);
    }
    if (method === 'GET' && path === '/compositions') {
      return (await store.listAll()).map((config) => config.toJSON());
    }
    if (method === 'GET' && path === '/runs') {
      const query = parseWith(runListQuerySchema, Object.fromEntries(url.searchParams), {
        label: 'query',
      });
      return runs.list(query);
    }
    const run = /^\/runs\/([^/]+)(\/cancel)?$/.exec(path);
    if (run !== null) {
      const runId = decodeURIComponent(run[1]!);
      if (method === 'GET' && run[2] === undefined) return runs.show(runId);
      if (method === 'POST' && run[2] !== undefined) {
        return {
          runId,
          status: await runs.requestCancel(runId, { reason: 'cancelled via server' }),
        };
      }
    }
    if (method === 'GET' && path === '/decisions') {
      const query = parseWith(
        z.object({ status: decisionSchema.shape.status.optional() }),
        Object.fromEntries(url.searchParams),
        { label: 'query' },
      );
      return runs.decisions.list(query.status === undefined ? {} : { status: query.status });
    }
    const decision = /^\/decisions\/([^/]+)\/(approve|reject)$/.exec(path);
    if (method === 'POST' && decision !== null) {
      const body = parseWith(decisionRequestSchema, await readJson(request, maxBodyBytes), {
        label: 'body',
      });
      const id = decodeURIComponent(decision[1]!);
      const options = body.note === undefined ? {} : { note: body.note };
      return decision[2] === 'approve'
        ? runs.decisions.approve(id, options)
        : runs.decisions.reject(id, options);
    }
    throw new HttpError(404, `no route for ${method} ${path}`);
  }

  return createServer((request, response) => {
    route(request).then(
      (body) => send(response, 200, body),
      (error: unknown) => {
        if (error instanceof HttpError)
          return send(response, error.status, { error: error.message });
        if (BatonError.isInstance(error) && error.code === BatonErrorCode.VALIDATION) {
          return send(response, 400, { error: error.message, code: error.code });
        }
        if (BatonError.isInstance(error) && error.code === BatonErrorCode.NOT_FOUND) {
          return send(response, 404, { error: error.message, code: error.code });
        }
        return send(response, 500, {
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );
  });
}

async function readJson(request: IncomingMessage, maxBodyBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new HttpError(413, `request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
