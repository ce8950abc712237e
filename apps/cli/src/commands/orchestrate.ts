import { resolve } from 'node:path';
import { ValidationError } from '@baton/core';
import {
  exitCodeFor,
  formatMarkdown,
  formatSarif,
  type ReleaseReadinessReport,
} from '@baton/workflows';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, UsageError, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import {
  enclosingRepository,
  outputFile,
  type ReportFormat,
  reportFormatFrom,
  writeReport,
} from '../report-output.js';
import { openBaton } from '../run/session.js';
import { runSecurityDeepDive, securityDeepDiveUsage } from './security-deep-dive.js';
import { runTestCoverage, testCoverageUsage } from './test-coverage.js';

const usage = [
  'Usage: baton orchestrate <workflow> [options]',
  '',
  'Workflows: release-prep, test-coverage, security-deep-dive.',
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
  '  --resume RUN            continue this stopped run (baton runs list); its finished agents do not run again',
  '',
  'Gates and files can also be set in baton.config.json under "releasePrep".',
  '',
  testCoverageUsage,
  '',
  securityDeepDiveUsage,
  '',
  'Exit codes: 0 approved / target reached, 1 not approved / target missed, 2 bad usage or missing setup.',
].join('\n');

export const orchestrateCommand: Command = {
  name: 'orchestrate',
  usage,
  async run(argv, io, cli = {}) {
    const named = argv.findIndex((arg) => !arg.startsWith('-'));
    if (argv[named] === 'security-deep-dive') {
      return runSecurityDeepDive(
        argv.filter((_arg, index) => index !== named),
        io,
        cli,
      );
    }
    if (argv[named] === 'test-coverage') {
      return runTestCoverage(
        argv.filter((_arg, index) => index !== named),
        io,
        cli,
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
      resume: { type: 'string' },
    });
    const [workflow, ...extra] = positionals;
    if (workflow === undefined) {
      throw new UsageError(
        'orchestrate needs a workflow: release-prep, test-coverage or security-deep-dive',
      );
    }
    if (workflow !== 'release-prep') {
      throw new UsageError(
        `unknown workflow "${workflow}" (available: release-prep, test-coverage, security-deep-dive)`,
      );
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

    const format = reportFormatFrom(values.format, values.json === true);
    outputFile(io, '--output', values.output);
    const project = resolveProjectDir(io.cwd, values.path);
    const { baton } = openBaton(io, cli, project, { verbose: values.verbose === true });
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
    const qualityGates: Record<string, number> = {};
    for (const [name, value] of Object.entries(flagGates)) {
      if (value !== undefined) qualityGates[name] = value;
    }
    const fromCwd = (file: string | undefined) =>
      file === undefined ? undefined : resolve(io.cwd, file);
    let report: ReleaseReadinessReport;
    try {
      report = await baton.releasePrep({
        qualityGates,
        agents: listFlag(values.agents),
        coverageFile: fromCwd(values['coverage-file']),
        auditFile: fromCwd(values['audit-file']),
        runTests: values['run-tests'] === true ? true : undefined,
        testTimeoutSeconds: numberFlag('test-timeout', values['test-timeout'], { min: 1 }),
        runAudit: values['no-audit'] === true ? false : undefined,
        noModel: values['no-model'] === true,
        resume: values.resume,
      });
    } catch (error) {
      // A file named by a flag that is not there is named by its flag (else by the config key).
      const flag = error instanceof ValidationError ? FILE_FLAGS[error.field] : undefined;
      const given = flag === undefined ? undefined : fromCwd(values[flag]);
      if (given !== undefined) throw new UsageError(`--${flag}: not a file (${given})`);
      throw error;
    }
    writeReport(io, render(report, format), values.output);
    if (values.output !== undefined && format !== 'console') {
      writeLine(
        io.stderr,
        `${report.approved ? 'READY FOR RELEASE' : 'NOT READY'}: report written to ${values.output}`,
      );
    }
    return exitCodeFor(report) === 0 ? ExitCode.OK : ExitCode.NEGATIVE;
  },
};

/** The release-prep options that name files, and their flags. */
const FILE_FLAGS: Readonly<Record<string, 'coverage-file' | 'audit-file'>> = {
  coverageFile: 'coverage-file',
  auditFile: 'audit-file',
};

function render(report: ReleaseReadinessReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report.toJSON(), null, 2);
    case 'markdown':
      return formatMarkdown(report);
    case 'sarif':
      // Code scanning resolves URIs against the repository root, not the checked project.
      return JSON.stringify(
        formatSarif(report, { sourceRoot: enclosingRepository(report.path) }),
        null,
        2,
      );
    default:
      return report.formatConsoleOutput();
  }
}
