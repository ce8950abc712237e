import { readFileSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { runProcess, tail } from './process.js';
import { redactSecrets } from './secrets.js';

/** One lint message (the first ones are kept as evidence). */
export const lintMessageSchema = z.object({
  tool: z.string(),
  file: z.string(),
  line: z.number().int(),
  ruleId: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
});

/** What one linter reported. */
export const linterRunSchema = z.object({
  tool: z.enum(['eslint', 'biome', 'ruff']),
  command: z.string(),
  errors: z.number().int(),
  warnings: z.number().int(),
  exitCode: z.number().nullable(),
});

/** The lint measurement: linter output, or why there is none. */
export const lintResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    runs: z.array(linterRunSchema),
    errors: z.number().int(),
    warnings: z.number().int(),
    /** Most frequent rules, most frequent first. */
    topRules: z.array(z.object({ ruleId: z.string(), count: z.number().int() })),
    /** The first 50 messages. */
    messages: z.array(lintMessageSchema),
  }),
  z.object({
    status: z.literal('not-measured'),
    /**
     * Why there is no measurement: `not-configured` (the project configures no linter, an
     * optional tool it does without), `not-requested` (the caller turned linting off) or `failed`
     * (a configured linter is not installed, crashed, timed out or checked no file).
     */
    cause: z.enum(['not-configured', 'not-requested', 'failed']),
    /** E.g. `no linter configured`, or the failure of the configured linter. */
    reason: z.string(),
  }),
]);

/** How to have lint measured in a project that configures no linter. */
export const LINT_SETUP_HINT =
  'Configure ESLint (eslint.config.js), Biome (biome.json) or ruff (ruff.toml, or [tool.ruff] in pyproject.toml) and install it to count lint errors and warnings in the score';
/** The lint measurement. */
export type LintResult = z.infer<typeof lintResultSchema>;
type LintMessage = z.infer<typeof lintMessageSchema>;
type LinterRun = z.infer<typeof linterRunSchema>;

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  'eslint.config.cts',
  '.eslintrc',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml',
];

/** A linter the project configures and has installed. */
interface Linter {
  tool: LinterRun['tool'];
  file: string;
  args: string[];
}

/**
 * The project root and its ancestors up to the repository top (the first directory holding
 * `.git`), nearest first: a package of a monorepo inherits the repository's linter set-up.
 */
async function configDirectories(root: string): Promise<string[]> {
  const out: string[] = [];
  let directory = path.resolve(root);
  for (;;) {
    out.push(directory);
    if (await exists(path.join(directory, '.git'))) break;
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return out;
}

async function firstExisting(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) if (await exists(candidate)) return candidate;
  return undefined;
}

async function eslintConfigured(directory: string): Promise<boolean> {
  for (const config of ESLINT_CONFIGS) if (await exists(path.join(directory, config))) return true;
  try {
    const manifest = JSON.parse(await readFile(path.join(directory, 'package.json'), 'utf8')) as {
      eslintConfig?: unknown;
    };
    return manifest.eslintConfig !== undefined;
  } catch {
    return false;
  }
}

async function ruffConfigured(directory: string): Promise<boolean> {
  if (
    await firstExisting([path.join(directory, 'ruff.toml'), path.join(directory, '.ruff.toml')])
  ) {
    return true;
  }
  const pyproject = await readFile(path.join(directory, 'pyproject.toml'), 'utf8').catch(() => '');
  return /^\[tool\.ruff/m.test(pyproject);
}

/** `name` on PATH, or undefined. */
async function onPath(name: string): Promise<string | undefined> {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return firstExisting(directories.map((directory) => path.join(directory, name)));
}

/**
 * The linters a project configures, looking in the root and its ancestors up to the repository
 * top: ESLint (a config file or `eslintConfig`, and `node_modules/.bin/eslint`), Biome
 * (`biome.json[c]` and `node_modules/.bin/biome`), ruff (`ruff.toml`, `.ruff.toml` or
 * `[tool.ruff]` in pyproject.toml, and `ruff` on PATH). A configured linter that is not installed
 * is reported in `missing`.
 */
export async function detectLinters(
  root: string,
): Promise<{ linters: Linter[]; missing: string[] }> {
  const directories = await configDirectories(root);
  const bin = (name: string): Promise<string | undefined> =>
    firstExisting(
      directories.map((directory) => path.join(directory, 'node_modules', '.bin', name)),
    );
  const linters: Linter[] = [];
  const missing: string[] = [];
  const anyDirectory = async (check: (directory: string) => Promise<boolean>): Promise<boolean> => {
    for (const directory of directories) if (await check(directory)) return true;
    return false;
  };
  if (await anyDirectory(eslintConfigured)) {
    const eslint = await bin('eslint');
    if (eslint !== undefined) {
      linters.push({ tool: 'eslint', file: eslint, args: ['--format', 'json', '.'] });
    } else missing.push('ESLint is configured but not installed (node_modules/.bin/eslint)');
  }
  const biomeConfigured = await anyDirectory(async (directory) =>
    Boolean(
      await firstExisting([
        path.join(directory, 'biome.json'),
        path.join(directory, 'biome.jsonc'),
      ]),
    ),
  );
  if (biomeConfigured) {
    const biome = await bin('biome');
    if (biome !== undefined) {
      linters.push({
        tool: 'biome',
        file: biome,
        args: ['lint', '--reporter=json', '--max-diagnostics=200', '.'],
      });
    } else missing.push('Biome is configured but not installed (node_modules/.bin/biome)');
  }
  if (await anyDirectory(ruffConfigured)) {
    const ruff = await onPath('ruff');
    if (ruff !== undefined) {
      linters.push({
        tool: 'ruff',
        file: ruff,
        args: ['check', '--output-format=json', '--exit-zero', '.'],
      });
    } else missing.push('ruff is configured but not on PATH');
  }
  return { linters, missing };
}

/** Options for {@link runLinters}. */
export interface RunLintersOptions {
  root: string;
  /** Time limit per linter in seconds (default 300). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/**
 * Runs the project's configured linters with JSON output and counts errors and warnings. With
 * none configured (or a configured one failing) the result is `not-measured` with its cause and
 * the reason; lint errors are never silently counted as 0.
 */
export async function runLinters(options: RunLintersOptions): Promise<LintResult> {
  const { root, timeoutSeconds = 300, signal } = options;
  const { linters, missing } = await detectLinters(root);
  if (linters.length === 0) {
    return missing.length > 0
      ? { status: 'not-measured', cause: 'failed', reason: missing.join('; ') }
      : { status: 'not-measured', cause: 'not-configured', reason: 'no linter configured' };
  }
  const runs: LinterRun[] = [];
  const messages: LintMessage[] = [];
  const rules = new Map<string, number>();
  for (const linter of linters) {
    const result = await runProcess(linter.file, linter.args, {
      cwd: root,
      timeoutSeconds,
      ...(signal === undefined ? {} : { signal }),
      env: { NO_COLOR: '1' },
    });
    if (result.spawnError !== undefined) {
      return {
        status: 'not-measured',
        cause: 'failed',
        reason: `${linter.tool} could not run: ${result.spawnError}`,
      };
    }
    if (result.timedOut) {
      return {
        status: 'not-measured',
        cause: 'failed',
        reason: `${linter.tool} did not finish within ${timeoutSeconds}s`,
      };
    }
    let parsed: ReturnType<typeof parseLinterOutput>;
    try {
      parsed = parseLinterOutput(linter.tool, result.stdout, root);
    } catch {
      return {
        status: 'not-measured',
        cause: 'failed',
        reason: `${linter.tool} printed no JSON report (exit code ${result.exitCode}): ${failureLine(
          result.stderr || result.stdout,
        )}`,
      };
    }
    if (parsed.filesChecked === 0) {
      return {
        status: 'not-measured',
        cause: 'failed',
        reason: `${linter.tool} checked no files: its configuration ignores them`,
      };
    }
    if (result.exitCode !== 0 && parsed.errors === 0) {
      return {
        status: 'not-measured',
        cause: 'failed',
        reason: `${linter.tool} failed (exit code ${result.exitCode}) without reporting an error: ${failureLine(
          result.stderr || result.stdout,
        )}`,
      };
    }
    runs.push({
      tool: linter.tool,
      command: result.command.replace(`${root}${path.sep}`, ''),
      errors: parsed.errors,
      warnings: parsed.warnings,
      exitCode: result.exitCode,
    });
    for (const message of parsed.messages) {
      rules.set(message.ruleId, (rules.get(message.ruleId) ?? 0) + 1);
      if (messages.length < 50) messages.push(message);
    }
  }
  return {
    status: 'measured',
    runs,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    warnings: runs.reduce((sum, run) => sum + run.warnings, 0),
    topRules: [...rules]
      .map(([ruleId, count]) => ({ ruleId, count }))
      .sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId))
      .slice(0, 10),
    messages,
  };
}

function relative(root: string, file: string): string {
  const value = path.isAbsolute(file) ? path.relative(root, file) : file;
  return value.split(path.sep).join('/');
}

/** Parses ESLint (`--format json`), Biome (`--reporter=json`) or ruff (`--output-format=json`) output. */
export function parseLinterOutput(
  tool: LinterRun['tool'],
  stdout: string,
  root: string,
): { errors: number; warnings: number; messages: LintMessage[]; filesChecked?: number } {
  const start = stdout.search(/[[{]/);
  const data = JSON.parse(start === -1 ? stdout : stdout.slice(start)) as unknown;
  const messages: LintMessage[] = [];
  if (tool === 'eslint') {
    let errors = 0;
    let warnings = 0;
    for (const result of data as Array<{
      filePath: string;
      errorCount: number;
      warningCount: number;
      messages: Array<{ ruleId: string | null; severity: number; message: string; line?: number }>;
    }>) {
      errors += result.errorCount;
      warnings += result.warningCount;
      for (const message of result.messages) {
        messages.push({
          tool,
          file: relative(root, result.filePath),
          line: message.line ?? 1,
          ruleId: message.ruleId ?? 'parse-error',
          severity: message.severity === 2 ? 'error' : 'warning',
          message: redactSecrets(message.message),
        });
      }
    }
    return { errors, warnings, messages, filesChecked: (data as unknown[]).length };
  }
  if (tool === 'biome') {
    const report = data as {
      summary: { errors: number; warnings: number; changed?: number; unchanged?: number };
      diagnostics: BiomeDiagnostic[];
    };
    const sources = new Map<string, string | undefined>();
    for (const diagnostic of report.diagnostics ?? []) {
      if (diagnostic.severity !== 'error' && diagnostic.severity !== 'warning') continue;
      const file = biomeFile(diagnostic);
      messages.push({
        tool,
        file: relative(root, file),
        line: biomeLine(diagnostic, root, file, sources),
        ruleId: diagnostic.category,
        severity: diagnostic.severity,
        message: redactSecrets(biomeMessage(diagnostic)),
      });
    }
    const { changed, unchanged } = report.summary;
    return {
      errors: report.summary.errors,
      warnings: report.summary.warnings,
      messages,
      ...(changed === undefined || unchanged === undefined
        ? {}
        : { filesChecked: changed + unchanged }),
    };
  }
  const items = data as Array<{
    code: string | null;
    message: string;
    filename: string;
    location?: { row?: number };
  }>;
  for (const item of items) {
    messages.push({
      tool,
      file: relative(root, item.filename),
      line: item.location?.row ?? 1,
      ruleId: item.code ?? 'syntax-error',
      severity: 'error',
      message: redactSecrets(item.message),
    });
  }
  return { errors: items.length, warnings: 0, messages };
}

/**
 * The line of a linter's failure output that says what went wrong: the error line (`TypeError:
 * ...`, `error: ...`) rather than the stack frames under it; else the last lines that are not
 * stack frames.
 */
function failureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^at\s/.test(line));
  const error = lines.find((line) => /^([A-Za-z]*Error\b|error\b|ERROR\b|×|✖)/.test(line));
  const text = error ?? tail(lines.join('\n'), 3);
  return redactSecrets(text).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * One diagnostic of `biome lint --reporter=json`. Biome 2.4+ gives `location.path` as a string
 * with `start.line` and `message` as a string; Biome 2.0-2.3 give `location.path.file`, a byte
 * `span` into `sourceCode`, `message` as markup elements and the plain text in `description`.
 */
interface BiomeDiagnostic {
  severity: string;
  category: string;
  message: string | Array<{ content?: string }>;
  description?: string;
  location?: {
    path?: string | { file?: string };
    start?: { line?: number };
    span?: [number, number];
    sourceCode?: string;
  };
}

function biomeFile(diagnostic: BiomeDiagnostic): string {
  const where = diagnostic.location?.path;
  return (typeof where === 'string' ? where : where?.file) ?? '';
}

function biomeMessage(diagnostic: BiomeDiagnostic): string {
  if (typeof diagnostic.message === 'string') return diagnostic.message;
  return (
    diagnostic.description ??
    (Array.isArray(diagnostic.message)
      ? diagnostic.message.map((element) => element.content ?? '').join('')
      : '')
  );
}

/** The 1-based line: `start.line`, or the line of the byte offset `span[0]` in the source. */
function biomeLine(
  diagnostic: BiomeDiagnostic,
  root: string,
  file: string,
  sources: Map<string, string | undefined>,
): number {
  const location = diagnostic.location;
  if (location?.start?.line !== undefined) return location.start.line;
  const offset = location?.span?.[0];
  if (offset === undefined || file === '') return 1;
  let source = location?.sourceCode;
  if (source === undefined) {
    if (!sources.has(file)) {
      try {
        sources.set(file, readFileSync(path.resolve(root, file), 'utf8'));
      } catch {
        sources.set(file, undefined);
      }
    }
    source = sources.get(file);
  }
  if (source === undefined) return 1;
  const before = Buffer.from(source, 'utf8').subarray(0, offset).toString('utf8');
  return before.split('\n').length;
}
