import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigurationStore, PatternLibrary } from '@baton/config-store';
import { BatonError, BatonErrorCode, parseWith } from '@baton/core';
import { createModelExecutor, readConfigFile, resolveModelConfig } from '@baton/executors';
import {
  exitCodeFor,
  formatMarkdown,
  formatSarif,
  OrchestratedReleasePrepWorkflow,
  type ReleaseReadinessReport,
} from '@baton/workflows';
import { z } from 'zod';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { type CliIo, createStderrLogger, ExitCode, UsageError, writeLine } from '../io.js';
import { batonDir, resolveProjectDir } from '../project.js';
import { runTestCoverage, testCoverageUsage } from './test-coverage.js';

const FORMATS = ['console', 'json', 'markdown', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** The `releasePrep` section of `baton.config.json`; command-line flags win over it. */
const releasePrepConfigSchema = z
  .object({
    qualityGates: z.record(z.string(), z.number().min(0, 'must be a number >= 0')).optional(),
    agents: z.array(z.string().min(1)).optional(),
    coverageFile: z.string().min(1).optional(),
    auditFile: z.string().min(1).optional(),
    runTests: z.boolean().optional(),
    runAudit: z.boolean().optional(),
    testTimeoutSeconds: z.number().positive().optional(),
  })
  .strict();

const usage = [
  'Usage: baton orchestrate <workflow> [options]',
  '',
  'Workflows: release-prep, test-coverage.',
  '',
  'baton orchestrate release-prep [options]',
  '',
  'Measures whether a project is ready to release: security, test coverage, code quality and',
  'documentation agents run in parallel and quality gates judge what they measured.',
  '',
  'Options:',
  '  --path DIR              project to check (default: .)',
  '  --min-coverage N        minimum line coverage % (default 80)',
  '  --min-quality N         minimum code quality score 0..10 (default 7)',
  '  --max-critical N        maximum critical security issues (default 0)',
  '  --min-doc-coverage N    minimum documented public API % (default 100; a warning, not a blocker)',
  '  --agents a,b            agent templates to run (default: the four above)',
  '  --coverage-file FILE    coverage report to read (istanbul json, lcov, Cobertura xml, coverage.py json)',
  '  --run-tests             run the project test script with coverage first',
  '  --test-timeout S        time limit of that test run in seconds (default 600)',
  '  --audit-file FILE       recorded `npm audit --json` / `pnpm audit --json` output',
  '  --no-audit              do not run the package manager audit',
  '  --no-model              do not ask a configured model to review the evidence',
  '  --format F              console | json | markdown | sarif (default console)',
  '  --json                  same as --format json: one JSON document on stdout',
  '  --output FILE           write the report to FILE instead of stdout',
  '  --verbose               progress on stderr even when it is not a terminal',
  '',
  'Gates and files can also be set in baton.config.json under "releasePrep".',
  '',
  testCoverageUsage,
  '',
  'Exit codes: 0 approved / target reached, 1 not approved / target missed, 2 bad usage or missing setup.',
].join('\n');

export const orchestrateCommand: Command = {
  name: 'orchestrate',
  usage,
  async run(argv, io, options) {
    const named = argv.findIndex((arg) => !arg.startsWith('-'));
    if (argv[named] === 'test-coverage') {
      return runTestCoverage(
        argv.filter((_arg, index) => index !== named),
        io,
        options,
      );
    }
    const { values, positionals } = parseFlags(argv, {
      path: { type: 'string' },
      'min-coverage': { type: 'string' },
      'min-quality': { type: 'string' },
      'max-critical': { type: 'string' },
      'min-doc-coverage': { type: 'string' },
      agents: { type: 'string' },
      'coverage-file': { type: 'string' },
      'run-tests': { type: 'boolean' },
      'test-timeout': { type: 'string' },
      'audit-file': { type: 'string' },
      'no-audit': { type: 'boolean' },
      'no-model': { type: 'boolean' },
      format: { type: 'string' },
      json: { type: 'boolean' },
      output: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    const [workflow, ...extra] = positionals;
    if (workflow === undefined) {
      throw new UsageError('orchestrate needs a workflow: release-prep or test-coverage');
    }
    if (workflow !== 'release-prep') {
      throw new UsageError(
        `unknown workflow "${workflow}" (available: release-prep, test-coverage)`,
      );
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

    const format = resolveFormat(values.format, values.json === true);
    const project = resolveProjectDir(io.cwd, values.path);
    const config = parseWith(
      releasePrepConfigSchema,
      readConfigFile({ projectRoot: project }).releasePrep ?? {},
      { label: 'baton.config.json releasePrep' },
    );
    const logger = createStderrLogger(io, values.verbose === true);

    const gates: Record<string, number> = { ...config.qualityGates };
    const flagGates = {
      min_coverage: numberFlag('min-coverage', values['min-coverage'], { min: 0, max: 100 }),
      min_quality_score: numberFlag('min-quality', values['min-quality'], { min: 0, max: 10 }),
      max_critical_issues: numberFlag('max-critical', values['max-critical'], {
        min: 0,
        integer: true,
      }),
      min_doc_coverage: numberFlag('min-doc-coverage', values['min-doc-coverage'], {
        min: 0,
        max: 100,
      }),
    };
    for (const [name, value] of Object.entries(flagGates)) {
      if (value !== undefined) gates[name] = value;
    }
    const fromProject = (file: string | undefined) =>
      file === undefined ? undefined : resolve(project, file);
    const coverageFile =
      values['coverage-file'] !== undefined
        ? resolve(io.cwd, values['coverage-file'])
        : fromProject(config.coverageFile);
    const auditFile =
      values['audit-file'] !== undefined
        ? resolve(io.cwd, values['audit-file'])
        : fromProject(config.auditFile);
    requireFile(
      coverageFile,
      values['coverage-file'] !== undefined
        ? '--coverage-file'
        : 'baton.config.json releasePrep.coverageFile',
    );
    requireFile(
      auditFile,
      values['audit-file'] !== undefined
        ? '--audit-file'
        : 'baton.config.json releasePrep.auditFile',
    );
    const testTimeoutSeconds =
      numberFlag('test-timeout', values['test-timeout'], { min: 1 }) ?? config.testTimeoutSeconds;

    const store = new ConfigurationStore({
      storageDir: resolve(batonDir(project), 'compositions'),
      patternLibrary: new PatternLibrary({ storageDir: resolve(batonDir(project), 'patterns') }),
      logger,
    });
    const workflowRun = new OrchestratedReleasePrepWorkflow({
      qualityGates: gates,
      agentIds: listFlag(values.agents) ?? config.agents,
      coverageFile,
      auditFile,
      runTests: values['run-tests'] === true || config.runTests === true,
      testTimeoutSeconds,
      runAudit: auditFile === undefined && values['no-audit'] !== true && config.runAudit !== false,
      modelExecutor: values['no-model'] ? undefined : modelReviewer(io, project, logger),
      store,
      logger,
    });

    const controller = new AbortController();
    const onSigint = () => controller.abort(new BatonError(BatonErrorCode.ABORTED, 'interrupted'));
    process.once('SIGINT', onSigint);
    let report: ReleaseReadinessReport;
    try {
      report = await workflowRun.execute({ path: project, signal: controller.signal });
    } finally {
      process.off('SIGINT', onSigint);
    }
    emit(io, render(report, format), values.output);
    if (values.output !== undefined && format !== 'console') {
      writeLine(
        io.stderr,
        `${report.approved ? 'READY FOR RELEASE' : 'NOT READY'}: report written to ${values.output}`,
      );
    }
    return exitCodeFor(report) === 0 ? ExitCode.OK : ExitCode.NEGATIVE;
  },
};

/** A report file named by a flag or the config must exist: a typo is bad input (exit 2), not a failed gate. */
function requireFile(file: string | undefined, source: string): void {
  if (file === undefined) return;
  if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) {
    throw new UsageError(`${source}: not a file (${file})`);
  }
}

function resolveFormat(format: string | undefined, json: boolean): Format {
  if (json && format !== undefined && format !== 'json') {
    throw new UsageError(`--json conflicts with --format ${format}`);
  }
  if (json) return 'json';
  if (format === undefined) return 'console';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  }
  return format as Format;
}

function render(report: ReleaseReadinessReport, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report.toJSON(), null, 2);
    case 'markdown':
      return formatMarkdown(report);
    case 'sarif':
      // Code scanning resolves URIs against the repository root, not the checked project.
      return JSON.stringify(
        formatSarif(report, { sourceRoot: repositoryRoot(report.path) }),
        null,
        2,
      );
    default:
      return report.formatConsoleOutput();
  }
}

/** The nearest directory at or above `directory` holding `.git`; undefined outside a repository. */
function repositoryRoot(directory: string): string | undefined {
  for (let current = directory; ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}

function emit(io: CliIo, text: string, output: string | undefined): void {
  if (output === undefined) {
    writeLine(io.stdout, text);
    return;
  }
  const file = resolve(io.cwd, output);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${text}\n`);
}

/** The model executor when a model is configured; without one the check is measured-only. */
function modelReviewer(io: CliIo, project: string, logger: ReturnType<typeof createStderrLogger>) {
  try {
    const config = resolveModelConfig({ env: io.env, projectRoot: project });
    logger.info(`model review on ${config.provider}`);
    return createModelExecutor({ ...config, projectRoot: project, logger });
  } catch (error) {
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFIGURATION) {
      logger.info(`no model configured, measured figures only (${error.message})`);
      return undefined;
    }
    throw error;
  }
}
