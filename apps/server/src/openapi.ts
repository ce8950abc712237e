import { z } from 'zod';
import type { RouteSpec } from './app.js';
import { errorSchema } from './schemas.js';

/** An OpenAPI 3.1 document of the routes, with the JSON schemas of the same zod schemas they parse with. */
export function openApiDocument(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { content: { 'application/json': { schema: z.toJSONSchema(errorSchema) } } };
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query !== undefined) {
      const schema = z.toJSONSchema(route.query, { io: 'input' }) as {
        properties?: Record<string, unknown>;
      };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: false, schema: property });
      }
    }
    const success = String(route.status ?? 200);
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      ...(route.auth === false ? { security: [] } : {}),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(route.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: z.toJSONSchema(route.body, { io: 'input' }) },
              },
            },
          }),
      responses: {
        [success]: route.events
          ? { description: 'server-sent events', content: { 'text/event-stream': {} } }
          : { description: 'success', content: { 'application/json': {} } },
        ...(route.auth === false ? {} : { '401': { description: 'no or wrong token', ...error } }),
        '400': { description: 'bad input (the field is named)', ...error },
        '403': { description: 'host or origin not allowed', ...error },
        '404': { description: 'unknown id', ...error },
        '409': { description: 'conflict (already decided, already finished)', ...error },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Baton orchestrator API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
