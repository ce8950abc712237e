import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';
import { createProjectIndex, type ProjectIndex } from './project-index.js';
import { scanPythonSurface } from './python-surface.js';
import { scanScriptSurface } from './script-surface.js';
import { type SecurityFinding, securityFindingSchema } from './security-finding.js';
import {
  type AttackSurfaceItem,
  attackSurfaceItemSchema,
  attackSurfaceKindSchema,
  type FileSurface,
} from './surface-items.js';

const kindCounts = z.object({
  'http-route': z.number().int(),
  'http-server': z.number().int(),
  'child-process': z.number().int(),
  'file-write': z.number().int(),
  deserialization: z.number().int(),
  'outbound-request': z.number().int(),
  'user-input': z.number().int(),
});

/** The result of {@link mapAttackSurface}. */
export const attackSurfaceSchema = z.object({
  /** Every entry point and sink, by file and line. */
  items: z.array(attackSurfaceItemSchema),
  /** Items per kind. */
  counts: kindCounts,
  /**
   * Request input reaching a dangerous sink: a shell command, a code-running deserialiser, a
   * written file's path, an outbound request's URL. Never above `low` in test code.
   */
  findings: z.array(securityFindingSchema),
  /** JS/TS and Python files looked at (files that failed to parse are not counted). */
  scannedFiles: z.number().int(),
  /** One line for reports. */
  summary: z.string(),
});
/** The attack surface of a project. */
export type AttackSurface = z.infer<typeof attackSurfaceSchema>;

/** Options for {@link mapAttackSurface}. */
export interface MapAttackSurfaceOptions {
  /** Project root. */
  root: string;
  /** A project index to share with other analyses. */
  index?: ProjectIndex;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Inventories a project's attack surface from its code: HTTP routes and their handlers
 * (express, koa, fastify, hono style `app.get('/path', handler)`, `router.route('/x').post(...)`,
 * `fastify.route({...})`; Flask/FastAPI decorators), HTTP servers (`http.createServer`,
 * `express()`, `new Hono()`, `Flask(__name__)`), child processes, file writes, deserialisation,
 * outbound requests, and where outside input enters (`req.query/params/body/headers/cookies`,
 * koa `ctx`, hono `c.req`, `process.argv`, `process.env`, stdin; Flask `request.*`, `sys.argv`,
 * `os.environ`, `input()`), each with file and 1-based line. When request input reaches a
 * dangerous sink (a shell, a code-running deserialiser, a file path, an outbound URL) it is also
 * a finding. Evidence lines have secret values redacted.
 *
 * @example
 * ```ts
 * const surface = await mapAttackSurface({ root: '.' });
 * for (const item of surface.items.filter((item) => item.kind === 'http-route')) {
 *   console.log(`${item.name} -> ${item.handler} (${item.file}:${item.line})`);
 * }
 * ```
 */
export async function mapAttackSurface(options: MapAttackSurfaceOptions): Promise<AttackSurface> {
  const { signal, logger = noopLogger } = options;
  throwIfAborted(signal);
  const index = options.index ?? (await createProjectIndex({ root: options.root, signal, logger }));
  const items: AttackSurfaceItem[] = [];
  const findings: SecurityFinding[] = [];
  let scannedFiles = 0;
  for (const [position, file] of index.files.entries()) {
    if (position % 256 === 0) throwIfAborted(signal);
    let result: FileSurface | undefined;
    if (file.language === 'python') result = scanPythonSurface(file);
    else if (file.language !== undefined) {
      const parsed = index.parse(file);
      if (parsed !== undefined) result = scanScriptSurface(file, parsed);
    }
    if (result === undefined) continue;
    scannedFiles += 1;
    items.push(...result.items);
    findings.push(...result.findings);
  }
  items.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const counts = countKinds(items);
  logger.debug('attack surface mapped', { items: items.length, findings: findings.length });
  return {
    items,
    counts,
    findings,
    scannedFiles,
    summary: `${counts['http-route']} HTTP routes, ${counts['child-process']} child processes, ${counts['file-write']} file writes, ${counts.deserialization} deserialisations, ${counts['outbound-request']} outbound requests, ${counts['user-input']} user inputs in ${scannedFiles} files; request input reaches ${findings.length} dangerous sinks`,
  };
}

function countKinds(items: readonly AttackSurfaceItem[]): AttackSurface['counts'] {
  const counts = Object.fromEntries(
    attackSurfaceKindSchema.options.map((kind) => [kind, 0]),
  ) as AttackSurface['counts'];
  for (const item of items) counts[item.kind] += 1;
  return counts;
}
