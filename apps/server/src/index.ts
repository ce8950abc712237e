/**
 * `@baton/server`: the orchestrator as a service. A Hono app over `@baton/sdk` (requests, typed
 * tasks in a bounded priority queue, live events over SSE, decisions), behind a bearer token.
 */
export {
  createServerApp,
  LOOPBACK_HOSTS,
  type RouteSpec,
  type ServerAppOptions,
} from './app.js';
export { openApiDocument } from './openapi.js';
export {
  decisionRequestSchema,
  planRequestSchema,
  processRequestSchema,
  taskSubmissionSchema,
} from './schemas.js';
export {
  jsonDepthExceeds,
  resolveServerToken,
  SERVER_TOKEN_VARIABLE,
  serverTokenFile,
  tokenMatches,
} from './security.js';
export { type StartedServer, type StartServerOptions, startServer } from './serve.js';
