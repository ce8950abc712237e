import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, noopLogger, ValidationError } from '@baton/core';
import { z } from 'zod';
import { runProcess, tail } from './process.js';
import { type Severity, severityCountsSchema, severitySchema } from './security-finding.js';
import { detectPackageManager } from './workspace.js';

/** One advisory affecting a dependency. */
export const dependencyAdvisorySchema = z.object({
  /** Advisory id (GHSA id, npm advisory number, or URL when nothing else is given). */
  id: z.string(),
  /** Affected package. */
  packageName: z.string(),
  severity: severitySchema,
  title: z.string(),
  url: z.string().optional(),
  /** Vulnerable version range. */
  vulnerableVersions: z.string().optional(),
  /** Installed versions found vulnerable, when the report lists them. */
  installedVersions: z.array(z.string()).optional(),
});
/** One advisory affecting a dependency. */
export type DependencyAdvisory = z.infer<typeof dependencyAdvisorySchema>;

/** The dependency audit: advisories, or why there are none to show. */
export const auditResultSchema = z.discriminatedUnion('status', [
  z.object({
    /** The advisory database answered. */
    status: z.literal('ok'),
    /** `file` for `auditFile`, `command` when the audit ran. */
    source: z.enum(['file', 'command']),
    /** The file read or the command run. */
    origin: z.string(),
    /** `npm` (v7+ `vulnerabilities` report) or `npm-legacy` (`advisories`: pnpm, npm 6, yarn). */
    format: z.enum(['npm', 'npm-legacy']),
    /** Unique advisories, most severe first. */
    advisories: z.array(dependencyAdvisorySchema),
    /** Advisories per severity. */
    counts: severityCountsSchema,
    /** Dependencies audited, when the report says. */
    dependencyCount: z.number().int().optional(),
  }),
  z.object({
    /** The audit could not be done (advisory service unreachable, command failed, bad file). */
    status: z.literal('unavailable'),
    source: z.enum(['file', 'command']),
    origin: z.string(),
    /** Why, e.g. `the advisory endpoint answered HTTP 405 (Method Not Allowed)`. */
    reason: z.string(),
  }),
  z.object({
    /** The audit was not requested or does not apply. */
    status: z.literal('skipped'),
    reason: z.string(),
  }),
]);
/** The dependency audit result. */
export type AuditResult = z.infer<typeof auditResultSchema>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** npm's `moderate` is our `medium`. */
function toSeverity(value: unknown): Severity {
  switch (value) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return 'info';
  }
}

const ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** The error an audit report carries instead of results, as one line; undefined when none. */
export function auditErrorReason(report: unknown): string | undefined {
  if (!isRecord(report)) return 'the audit output is not a JSON object';
  const error = report.error;
  const status = typeof report.statusCode === 'number' ? report.statusCode : undefined;
  if (status !== undefined && status >= 400) {
    const what = typeof report.message === 'string' ? report.message : `HTTP ${status}`;
    return `the advisory service answered HTTP ${status}: ${what}`;
  }
  if (isRecord(error)) {
    // npm 10+ puts the cause ("request to ... failed, reason: connect ECONNREFUSED ...") in the
    // top-level message and leaves error.summary and error.detail empty.
    const message = [error.message, error.summary, error.detail, report.message].find(
      (part): part is string => typeof part === 'string' && part.trim() !== '',
    );
    const code = typeof error.code === 'string' ? error.code : undefined;
    const http = message === undefined ? undefined : /responded with (\d{3})/.exec(message);
    const prefix =
      http === null || http === undefined ? '' : `the advisory service answered HTTP ${http[1]}: `;
    return `${prefix}${[code, message].filter(Boolean).join(': ') || 'the audit reported an error'}`;
  }
  if (
    typeof report.message === 'string' &&
    !('vulnerabilities' in report) &&
    !('advisories' in report)
  ) {
    return report.message;
  }
  return undefined;
}

/**
 * Reads the JSON of `npm audit --json` (npm 7+: a `vulnerabilities` map whose `via` entries are
 * advisories) or of `pnpm audit --json` / npm 6 (an `advisories` map). Advisories are de-duplicated
 * by id. Throws a ValidationError for JSON that is neither (including error reports; see
 * {@link auditErrorReason}).
 */
export function parseAuditReport(
  report: unknown,
): Pick<
  Extract<AuditResult, { status: 'ok' }>,
  'format' | 'advisories' | 'counts' | 'dependencyCount'
> {
  const error = auditErrorReason(report);
  if (error !== undefined || !isRecord(report)) {
    throw new ValidationError('auditFile', error ?? 'not an audit report');
  }
  let format: 'npm' | 'npm-legacy';
  let advisories: Map<string, DependencyAdvisory>;
  if (isRecord(report.vulnerabilities)) {
    format = 'npm';
    advisories = npmAdvisories(report.vulnerabilities);
  } else if (isRecord(report.advisories)) {
    format = 'npm-legacy';
    advisories = legacyAdvisories(report.advisories);
  } else {
    throw new ValidationError(
      'auditFile',
      'not an npm or pnpm audit report (no "vulnerabilities" or "advisories")',
    );
  }
  const list = [...advisories.values()].sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      a.packageName.localeCompare(b.packageName) ||
      a.id.localeCompare(b.id),
  );
  const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const advisory of list) counts[advisory.severity] += 1;
  const dependencyCount = dependencyCountOf(report.metadata);
  return {
    format,
    advisories: list,
    counts,
    ...(dependencyCount === undefined ? {} : { dependencyCount }),
  };
}

/** npm 7+: each package's `via` objects are advisories (strings name other vulnerable packages). */
function npmAdvisories(vulnerabilities: Record<string, unknown>): Map<string, DependencyAdvisory> {
  const advisories = new Map<string, DependencyAdvisory>();
  for (const [name, entry] of Object.entries(vulnerabilities)) {
    if (!isRecord(entry) || !Array.isArray(entry.via)) continue;
    for (const via of entry.via) {
      if (!isRecord(via)) continue;
      const url = typeof via.url === 'string' ? via.url : undefined;
      const ghsa = url === undefined ? undefined : /GHSA-[\w-]+/.exec(url)?.[0];
      const source = via.source === undefined ? url : String(via.source);
      const id = ghsa ?? source ?? `${name}:${String(via.title)}`;
      if (advisories.has(id)) continue;
      advisories.set(id, {
        id,
        packageName: typeof via.name === 'string' ? via.name : name,
        severity: toSeverity(via.severity),
        title: typeof via.title === 'string' ? via.title : 'untitled advisory',
        ...(url === undefined ? {} : { url }),
        ...(typeof via.range === 'string' ? { vulnerableVersions: via.range } : {}),
      });
    }
  }
  return advisories;
}

/** pnpm and npm 6: an `advisories` map keyed by advisory number. */
function legacyAdvisories(entries: Record<string, unknown>): Map<string, DependencyAdvisory> {
  const advisories = new Map<string, DependencyAdvisory>();
  for (const [key, entry] of Object.entries(entries)) {
    if (!isRecord(entry)) continue;
    const id =
      typeof entry.github_advisory_id === 'string'
        ? entry.github_advisory_id
        : String(entry.id ?? key);
    if (advisories.has(id)) continue;
    const findings = Array.isArray(entry.findings) ? entry.findings : [];
    const versions = findings.flatMap((item) =>
      isRecord(item) && typeof item.version === 'string' ? [item.version] : [],
    );
    advisories.set(id, {
      id,
      packageName: typeof entry.module_name === 'string' ? entry.module_name : 'unknown',
      severity: toSeverity(entry.severity),
      title: typeof entry.title === 'string' ? entry.title : 'untitled advisory',
      ...(typeof entry.url === 'string' ? { url: entry.url } : {}),
      ...(typeof entry.vulnerable_versions === 'string'
        ? { vulnerableVersions: entry.vulnerable_versions }
        : {}),
      ...(versions.length > 0 ? { installedVersions: [...new Set(versions)] } : {}),
    });
  }
  return advisories;
}

/** Dependencies audited: pnpm `totalDependencies`, npm 7 `dependencies.total`, npm 6 `dependencies`. */
function dependencyCountOf(metadata: unknown): number | undefined {
  if (!isRecord(metadata)) return undefined;
  const dependencies = metadata.dependencies;
  if (typeof metadata.totalDependencies === 'number') return metadata.totalDependencies;
  if (isRecord(dependencies) && typeof dependencies.total === 'number') return dependencies.total;
  return typeof dependencies === 'number' ? dependencies : undefined;
}

/** True for yarn 2+ (berry): `packageManager: yarn@2+`, or a yarn.lock with `__metadata`. */
async function isYarnBerry(root: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      packageManager?: unknown;
    };
    if (typeof manifest.packageManager === 'string') {
      return !manifest.packageManager.startsWith('yarn@1');
    }
  } catch {
    // fall through to the lockfile
  }
  const lock = await readFile(path.join(root, 'yarn.lock'), 'utf8').catch(() => '');
  return lock.includes('__metadata:');
}

/**
 * Audit output as one report object: a JSON document (npm, pnpm), or the JSON lines of
 * `yarn audit --json` (yarn 1: `auditAdvisory` / `auditSummary` / `error` events) or
 * `yarn npm audit --json` (yarn 2+: one `{ value, children }` object per advisory), converted to
 * the `advisories` form. Undefined when the text is none of these.
 */
export function parseAuditOutput(text: string): unknown {
  const trimmed = text.trim();
  try {
    const document = JSON.parse(trimmed) as unknown;
    // A single yarn event line is also a JSON document.
    if (!isYarnEvent(document)) return document;
  } catch {
    // not a single document: try JSON lines
  }
  const events: unknown[] = [];
  for (const line of trimmed.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  if (events.length === 0) return undefined;
  const advisories: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  for (const event of events) {
    if (!isRecord(event)) continue;
    const data = event.data;
    if (event.type === 'error') return { error: { message: String(data) } };
    if (event.type === 'auditAdvisory' && isRecord(data) && isRecord(data.advisory)) {
      advisories[String(data.advisory.id)] = data.advisory;
    } else if (event.type === 'auditSummary' && isRecord(data)) {
      if (typeof data.totalDependencies === 'number')
        metadata.totalDependencies = data.totalDependencies;
    } else if (typeof event.value === 'string' && isRecord(event.children)) {
      const child = event.children;
      const id = String(child.ID ?? `${event.value}:${String(child.Issue)}`);
      const url = typeof child.URL === 'string' ? child.URL : undefined;
      advisories[id] = {
        id,
        ...(url === undefined ? {} : { url }),
        ...(url !== undefined && /GHSA-[\w-]+/.test(url)
          ? { github_advisory_id: /GHSA-[\w-]+/.exec(url)![0] }
          : {}),
        module_name: event.value,
        severity: child.Severity,
        title: child.Issue,
        vulnerable_versions: child['Vulnerable Versions'],
        findings: Array.isArray(child['Tree Versions'])
          ? child['Tree Versions'].map((version: unknown) => ({ version, paths: [] }))
          : [],
      };
    }
  }
  return { advisories, metadata };
}

function isYarnEvent(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return (
    (typeof value.type === 'string' && 'data' in value) ||
    (typeof value.value === 'string' && isRecord(value.children))
  );
}

/** Options for {@link auditDependencies}. */
export interface AuditDependenciesOptions {
  root: string;
  /** Read this recorded `npm audit --json` / `pnpm audit --json` output instead of running it. */
  auditFile?: string;
  /** Run the package manager's audit (default false: the audit is then `skipped`). */
  runAudit?: boolean;
  /** Registry to audit against (passed as `--registry`). */
  registry?: string;
  /** Time limit for the audit command in seconds (default 120). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Dependency advisories from the package manager's audit: `auditFile` (a recorded JSON output) or
 * `npm audit --json` / `pnpm audit --json` / `yarn audit --json` (yarn 1) /
 * `yarn npm audit --json --all --recursive` (yarn 2+) run in the project. An unreachable or failing advisory
 * service gives `status: 'unavailable'` with the reason (e.g. HTTP 405), never a clean result.
 */
export async function auditDependencies(options: AuditDependenciesOptions): Promise<AuditResult> {
  const { root, signal, logger = noopLogger, timeoutSeconds = 120 } = options;
  if (options.auditFile !== undefined) {
    const file = path.resolve(root, options.auditFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new ValidationError('auditFile', `file not found: ${file}`);
    }
    const json = parseAuditOutput(text);
    if (json === undefined) {
      throw new ValidationError('auditFile', `${options.auditFile} is not valid JSON`);
    }
    const reason = auditErrorReason(json);
    if (reason !== undefined) {
      return { status: 'unavailable', source: 'file', origin: options.auditFile, reason };
    }
    return { status: 'ok', source: 'file', origin: options.auditFile, ...parseAuditReport(json) };
  }
  if (options.runAudit !== true) {
    return {
      status: 'skipped',
      reason: 'dependency audit not requested (use runAudit or auditFile)',
    };
  }
  const manager = await detectPackageManager(root);
  const hasManifest = await readFile(path.join(root, 'package.json')).then(
    () => true,
    () => false,
  );
  if (!hasManifest)
    return { status: 'skipped', reason: 'no package.json: not a JavaScript project' };
  if (manager === 'bun') {
    return { status: 'skipped', reason: 'dependency audit of bun projects is not supported' };
  }
  const registry = options.registry === undefined ? [] : ['--registry', options.registry];
  const args =
    manager === 'yarn' && (await isYarnBerry(root))
      ? ['npm', 'audit', '--json', '--all', '--recursive']
      : ['audit', '--json', ...registry];
  const result = await runProcess(manager, args, {
    cwd: root,
    timeoutSeconds,
    ...(signal === undefined ? {} : { signal }),
  });
  const origin = result.command;
  logger.debug('audit ran', { command: origin, exitCode: result.exitCode });
  if (result.spawnError !== undefined) {
    return {
      status: 'unavailable',
      source: 'command',
      origin,
      reason: `could not run ${manager}: ${result.spawnError}`,
    };
  }
  if (result.timedOut) {
    return {
      status: 'unavailable',
      source: 'command',
      origin,
      reason: `${manager} audit did not finish within ${timeoutSeconds}s`,
    };
  }
  const json = parseAuditOutput(result.stdout);
  if (json === undefined) {
    const detail = tail(result.stderr || result.stdout, 3)
      .replace(/\s+/g, ' ')
      .trim();
    return {
      status: 'unavailable',
      source: 'command',
      origin,
      reason: `${manager} audit printed no JSON report (exit code ${result.exitCode})${detail === '' ? '' : `: ${detail}`}`,
    };
  }
  const reason = auditErrorReason(json);
  if (reason !== undefined) return { status: 'unavailable', source: 'command', origin, reason };
  try {
    return { status: 'ok', source: 'command', origin, ...parseAuditReport(json) };
  } catch (error) {
    return { status: 'unavailable', source: 'command', origin, reason: (error as Error).message };
  }
}
