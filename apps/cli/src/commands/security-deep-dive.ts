import { resolve } from 'node:path';
import { BatonEmitter } from '@baton/core';
import {
  exitCodeFor,
  formatSecurityConsole,
  formatSecurityMarkdown,
  formatSecuritySarif,
  type SecurityDeepDiveReport,
} from '@baton/workflows';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import type { RunCliOptions } from '../command.js';
import { type CliIo, ExitCode, UsageError, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import {
  enclosingRepository,
  outputFile,
  type ReportFormat,
  reportFormatFrom,
  writeReport,
} from '../report-output.js';
import { openBaton } from '../run/session.js';

/** The options of `baton orchestrate security-deep-dive`, for the orchestrate usage text. */
export const securityDeepDiveUsage = [
  'baton orchestrate security-deep-dive [options]',
  '',
  'Measures the security evidence (secrets, dangerous code, dependency advisories, TLS and auth',
  'settings, the attack surface) and the compliance checklist; then three PREMIUM security',
  'auditors (vulnerabilities, threat modeling, compliance) report findings in parallel, debate',
  "each other's findings (the majority decides), and a CAPABLE code reviewer writes one",
  'remediation plan. Every location an auditor reports is checked against the files.',
  '',
  'Options:',
  '  --path DIR              project to check (default: .)',
  '  --agents a,b            team: vulnerabilities, threat_modeling, compliance, code_reviewer (default: all)',
  '  --agent-cli a,b         run the agents with coding-agent CLIs (claude, codex, gemini, cursor),',
  '                          falling back along the list; default: BATON_AGENT_CLI or baton.config.json',
  '                          "agentCli", else the model provider',
  '  --no-model              no auditor: the evidence and the gates only',
  "  --agent-timeout S       time limit of each agent in seconds (default: the templates', 900 / 600)",
  '  --audit-file FILE       recorded `npm audit --json` / `pnpm audit --json` output',
  '  --no-audit              do not run the package manager audit',
  '  --format F              console | json | markdown | sarif (default console)',
  '  --json                  same as --format json: one JSON document on stdout',
  '  --output FILE           write the report to FILE instead of stdout',
  '  --verbose               progress on stderr even when it is not a terminal',
  '  --resume RUN            continue this stopped run (baton runs list); its finished agents do not run again',
  '',
  'Without a model provider or agent CLI the evidence and the gates still run and the report says',
  'that no auditor ran and why. The compliance checklist, the audit file and the team can be set',
  'in baton.config.json under "securityDeepDive" (see the README).',
].join('\n');

/** Runs `baton orchestrate security-deep-dive` with its arguments (after the workflow name). */
export async function runSecurityDeepDive(
  argv: string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<ExitCode> {
  const { values, positionals } = parseFlags(argv, {
    path: { type: 'string' },
    agents: { type: 'string' },
    'agent-cli': { type: 'string' },
    'no-model': { type: 'boolean' },
    'agent-timeout': { type: 'string' },
    'audit-file': { type: 'string' },
    'no-audit': { type: 'boolean' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    output: { type: 'string' },
    verbose: { type: 'boolean' },
    resume: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values['no-model'] === true && values['agent-cli'] !== undefined) {
    throw new UsageError('--no-model conflicts with --agent-cli');
  }
  const format = reportFormatFrom(values.format, values.json === true);
  outputFile(io, '--output', values.output);
  const project = resolveProjectDir(io.cwd, values.path);
  const { baton, logger } = openBaton(io, options, project, { verbose: values.verbose === true });
  const events = new BatonEmitter();
  events.on('step-start', (event) =>
    logger.info(`${event.stepId} started${event.tier === undefined ? '' : ` [${event.tier}]`}`),
  );
  const report = await baton.securityDeepDive({
    agents: listFlag(values.agents),
    agentCli: values['agent-cli'],
    noModel: values['no-model'] === true,
    agentTimeoutSeconds: numberFlag('agent-timeout', values['agent-timeout'], { min: 0.001 }),
    auditFile:
      values['audit-file'] === undefined ? undefined : resolve(io.cwd, values['audit-file']),
    runAudit: values['no-audit'] === true ? false : undefined,
    resume: values.resume,
    events,
  });
  writeReport(io, render(report, format), values.output);
  if (values.output !== undefined && format !== 'console') {
    writeLine(
      io.stderr,
      `${report.approved ? 'NO BLOCKERS' : 'BLOCKED'}: report written to ${values.output}`,
    );
  }
  return exitCodeFor(report) === 0 ? ExitCode.OK : ExitCode.NEGATIVE;
}

function render(report: SecurityDeepDiveReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report.toJSON(), null, 2);
    case 'markdown':
      return formatSecurityMarkdown(report);
    case 'sarif':
      return JSON.stringify(
        formatSecuritySarif(report, { sourceRoot: enclosingRepository(report.path) }),
        null,
        2,
      );
    default:
      return formatSecurityConsole(report);
  }
}
