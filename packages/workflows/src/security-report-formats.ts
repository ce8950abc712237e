import nodePath from 'node:path';
import { redactSecrets } from '@baton/analyzers';
import { ValidationError } from '@baton/core';
import { formatFigure, SARIF_SCHEMA, type SarifLog, type SarifOptions } from './report-formats.js';
import type { SecurityGate } from './security-gates.js';
import type { SecurityDeepDiveReportData } from './security-report.js';

/** How many entries each list shows in the console and Markdown reports. */
export const SECURITY_LIST_LIMIT = 15;

const RULE = '='.repeat(70);
const LINE = '-'.repeat(70);

type Report = SecurityDeepDiveReportData | { data: SecurityDeepDiveReportData };

function dataOf(report: Report): SecurityDeepDiveReportData {
  return 'data' in report ? report.data : report;
}

function bounded<T>(
  items: readonly T[],
  limit = SECURITY_LIST_LIMIT,
): { shown: T[]; more: number } {
  return { shown: items.slice(0, limit), more: Math.max(0, items.length - limit) };
}

function gateLine(gate: SecurityGate): string {
  const figures = `(actual: ${formatFigure(gate.actual)}, threshold: ${gate.threshold})`;
  if (gate.passed) return `✅ ${gate.name}: PASS ${figures} — ${gate.message}`;
  if (!gate.critical) return `⚠️  ${gate.name}: not met ${figures} — ${gate.message}`;
  return `❌ ${gate.name}: FAIL ${figures} — ${gate.message}`;
}

const CHECK_MARK = { pass: '✅', fail: '❌', unknown: '❔' } as const;

/** The plan's figures, counted from the checked steps (never the reviewer's own count). */
function planLine(
  plan: Extract<SecurityDeepDiveReportData['plan'], { status: 'generated' }>,
): string {
  const covered = plan.items.reduce((total, step) => total + step.findingIds.length, 0);
  const open = covered + plan.missing.length;
  const steps = `${plan.items.length} step${plan.items.length === 1 ? '' : 's'}`;
  return `${steps} covering ${covered} of ${open} open finding${open === 1 ? '' : 's'}.`;
}

/**
 * The report for a terminal: status, gates, blockers, warnings, summary, then the measured
 * evidence (findings and attack surface), the compliance checklist, the auditors (who ran, who
 * is missing), the debated findings with their votes, rejected findings, the remediation plan
 * with the disputed findings apart, and the agents' runs with tokens and cost. Lists are bounded;
 * secret values are redacted everywhere.
 */
export function formatSecurityConsole(report: Report): string {
  const data = dataOf(report);
  const out = new ConsoleLines([
    RULE,
    'SECURITY DEEP DIVE REPORT',
    RULE,
    '',
    `Status: ${data.approved ? '✅ NO BLOCKERS' : '❌ BLOCKED'}`,
    `Generated: ${data.timestamp}`,
    `Duration: ${data.totalDuration.toFixed(2)}s`,
    `Path: ${data.path}`,
  ]);
  out.section('GATES', data.gates.map(gateLine));
  if (data.blockers.length > 0) {
    out.section(
      `BLOCKERS (${data.blockers.length})`,
      data.blockers.map((item) => `❌ ${item}`),
    );
  }
  if (data.warnings.length > 0) {
    out.section(
      `WARNINGS (${data.warnings.length})`,
      data.warnings.map((item) => `⚠️  ${item}`),
    );
  }
  out.section('SUMMARY', [data.summary]);
  consoleEvidence(out, data);
  consoleCompliance(out, data);
  consoleAuditors(out, data);
  consolePlan(out, data);
  consoleRuns(out, data);
  out.lines.push(RULE);
  return redactSecrets(out.lines.join('\n'));
}

/** The console report's lines, with its sections and bounded lists. */
class ConsoleLines {
  constructor(readonly lines: string[]) {}

  section(title: string, body: readonly string[] = []): void {
    this.lines.push('', LINE, title, LINE, ...body);
  }

  list(items: readonly string[], limit = SECURITY_LIST_LIMIT): void {
    const { shown, more } = bounded(items, limit);
    for (const item of shown) this.lines.push(`  ${item}`);
    if (more > 0) this.lines.push(`  ... and ${more} more (see --json)`);
  }
}

function consoleEvidence(out: ConsoleLines, data: SecurityDeepDiveReportData): void {
  const { evidence } = data;
  out.section('EVIDENCE (measured by the analyzers)', [evidence.summary]);
  out.list(
    evidence.findings.map(
      (finding) =>
        `${finding.id.padEnd(5)} ${finding.severity.padEnd(8)} ${finding.ruleId} ${finding.file}:${finding.line} — ${finding.message}`,
    ),
  );
  const { counts } = evidence.surface;
  out.lines.push(
    '',
    `Attack surface: ${counts['http-route']} routes, ${counts['http-server']} servers, ${counts['child-process']} child processes, ${counts['file-write']} file writes, ${counts.deserialization} deserialisations, ${counts['outbound-request']} outbound requests, ${counts['user-input']} user inputs`,
  );
  out.list(
    evidence.surface.items
      .filter((item) => item.kind === 'http-route')
      .map((item) => `${item.name} -> ${item.handler ?? '?'} (${item.file}:${item.line})`),
    10,
  );
}

function consoleCompliance(out: ConsoleLines, data: SecurityDeepDiveReportData): void {
  out.section('COMPLIANCE');
  for (const check of data.compliance) {
    out.lines.push(`${CHECK_MARK[check.status]} ${check.name}: ${check.summary}`);
    for (const item of check.evidence.slice(0, 3)) {
      out.lines.push(`    ${item.file === null ? '' : `${item.file}:${item.line} `}${item.text}`);
    }
    if (check.evidenceCount > 3) out.lines.push(`    ... and ${check.evidenceCount - 3} more`);
  }
}

function consoleAuditors(out: ConsoleLines, data: SecurityDeepDiveReportData): void {
  const { auditors, findings, rejectedFindings } = data;
  out.section('AUDITORS', [
    auditors.ran
      ? `Team: ${auditors.team.map((member) => `${member.agentId} (${member.tier})`).join(', ')}`
      : `No auditor ran: ${auditors.reason ?? 'unknown reason'}`,
    ...auditors.missing.map(
      (missing) => `❌ missing in ${missing.phase}: ${missing.agentId} — ${missing.reason}`,
    ),
  ]);
  if (findings.length > 0) {
    const confirmed = findings.filter((finding) => finding.status === 'confirmed').length;
    out.lines.push(
      '',
      `Findings after the debate: ${confirmed} confirmed, ${findings.length - confirmed} disputed`,
    );
    out.list(
      findings.map(
        (finding) =>
          `${finding.id.padEnd(5)} ${finding.severity.padEnd(8)} ${finding.cwe ?? '-'} ${finding.location.file}:${finding.location.line} ${finding.title} — ${finding.status} ${finding.confirmations}/${finding.votes.length}`,
      ),
    );
  }
  if (rejectedFindings.length > 0) {
    out.lines.push(
      '',
      `Rejected auditor findings (${rejectedFindings.length}, not reported as fact):`,
    );
    out.list(
      rejectedFindings.map(
        (item) =>
          `${item.agentId} ${item.findingId ?? '?'} ${item.claimedLocation ?? ''}: ${item.reason}`,
      ),
    );
  }
}

function consolePlan(out: ConsoleLines, data: SecurityDeepDiveReportData): void {
  const { plan } = data;
  out.section('REMEDIATION PLAN');
  if (plan.status === 'generated') {
    out.lines.push(planLine(plan), `Code reviewer: ${plan.summary}`);
    for (const step of plan.items) {
      out.lines.push(
        `  ${step.priority}. [${step.severity}] ${step.findingIds.join(', ')} — ${step.fix} (owner: ${step.ownerFile}, effort: ${step.effort})`,
      );
    }
    if (plan.missing.length > 0) out.lines.push(`  Not in the plan: ${plan.missing.join(', ')}`);
  } else {
    out.lines.push(`Not generated: ${plan.reason}`);
  }
  if (plan.disputed.length === 0) return;
  out.lines.push('', 'Disputed findings (not in the plan):');
  for (const entry of plan.disputed) {
    out.lines.push(
      `  ${entry.findingId} ${entry.title} (${entry.file}:${entry.line}) — ${entry.confirmations} confirm, ${entry.disputes} dispute`,
      ...entry.for.map((side) => `    + ${side.agentId}: ${side.reason}`),
      ...entry.against.map((side) => `    - ${side.agentId}: ${side.reason}`),
      ...(entry.reviewerNote === null ? [] : [`    reviewer: ${entry.reviewerNote}`]),
    );
  }
}

function consoleRuns(out: ConsoleLines, data: SecurityDeepDiveReportData): void {
  if (data.agentRuns.length === 0) return;
  out.section(
    `AGENT RUNS (${data.agentRuns.length})`,
    data.agentRuns.map(
      (run) =>
        `${run.success ? '✅' : '❌'} ${run.phase.padEnd(9)} ${run.agentId}: ${run.durationSeconds.toFixed(2)}s${run.usage === undefined ? '' : `, ${run.usage.inputTokens} in / ${run.usage.outputTokens} out`}${run.success ? '' : ` (${run.error})`}`,
    ),
  );
  const { usage } = data;
  if (usage !== null) {
    out.lines.push(
      `Tokens: ${usage.inputTokens} in, ${usage.outputTokens} out (${usage.reported} of ${usage.calls} runs reported usage); cost ${usage.costUsd === null ? 'unknown' : `$${usage.costUsd.toFixed(4)}`}`,
    );
  }
}

const MARKDOWN_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '|': '\\|',
  '<': '&lt;',
};

/** Text safe inside a Markdown table cell: one line, `|`, `\\` and `<` escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n|[\\|<]/g, (match) => MARKDOWN_ESCAPES[match] ?? ' ');
}

/**
 * The report as Markdown for a pull-request comment: status, gate table, blockers and
 * warnings, the remediation plan as a table, and collapsible evidence, compliance, findings
 * and disputed findings with both sides.
 */
export function formatSecurityMarkdown(report: Report): string {
  const data = dataOf(report);
  const out: string[] = [
    `## ${data.approved ? '✅ Security deep dive: NO BLOCKERS' : '❌ Security deep dive: BLOCKED'}`,
    '',
    `**Duration:** ${data.totalDuration.toFixed(2)}s · **Generated:** ${data.timestamp}`,
    '',
    '| Gate | Result | Actual | Threshold | Details |',
    '| --- | --- | ---: | ---: | --- |',
  ];
  for (const gate of data.gates) {
    const result = gate.passed ? '✅ pass' : gate.critical ? '❌ fail' : '⚠️ not met';
    out.push(
      `| ${gate.name} | ${result} | ${formatFigure(gate.actual)} | ≤ ${gate.threshold} | ${cell(gate.message)} |`,
    );
  }
  const bullets = (title: string, items: readonly string[]) => {
    if (items.length === 0) return;
    out.push('', `### ${title} (${items.length})`, '');
    for (const item of items) out.push(`- ${cell(item)}`);
  };
  bullets('Blockers', data.blockers);
  bullets('Warnings', data.warnings);
  out.push('', data.summary);
  if (!data.auditors.ran) out.push('', `**No auditor ran:** ${cell(data.auditors.reason ?? '')}`);
  for (const missing of data.auditors.missing) {
    out.push(
      '',
      `**Missing in ${missing.phase}:** \`${missing.agentId}\` — ${cell(missing.reason)}`,
    );
  }

  const { plan } = data;
  out.push('', '### Remediation plan', '');
  if (plan.status === 'generated') {
    out.push(planLine(plan), '', `Code reviewer: ${cell(plan.summary)}`);
    if (plan.items.length > 0) {
      out.push(
        '',
        '| # | Severity | Findings | Fix | Owner file | Effort |',
        '| ---: | --- | --- | --- | --- | --- |',
      );
      for (const step of plan.items) {
        out.push(
          `| ${step.priority} | ${step.severity} | ${step.findingIds.join(', ')} | ${cell(step.fix)} | \`${cell(step.ownerFile)}\` | ${step.effort} |`,
        );
      }
    }
    if (plan.missing.length > 0) out.push('', `Not in the plan: ${plan.missing.join(', ')}`);
  } else {
    out.push(`Not generated: ${cell(plan.reason)}`);
  }
  const details = (title: string, header: string, rows: readonly string[]) => {
    if (rows.length === 0) return;
    const { shown, more } = bounded(rows);
    out.push(
      '',
      `<details><summary>${cell(title)} (${rows.length})</summary>`,
      '',
      header,
      ...shown,
    );
    if (more > 0) out.push('', `… and ${more} more in the JSON report.`);
    out.push('', '</details>');
  };
  details(
    'Disputed findings, both sides',
    '| Finding | Location | For | Against |\n| --- | --- | --- | --- |',
    plan.disputed.map(
      (entry) =>
        `| ${entry.findingId} ${cell(entry.title)} | \`${entry.file}:${entry.line}\` | ${cell(entry.for.map((side) => `${side.agentId}: ${side.reason}`).join('; '))} | ${cell(entry.against.map((side) => `${side.agentId}: ${side.reason}`).join('; '))} |`,
    ),
  );
  details(
    'Auditor findings after the debate',
    '| Id | Severity | CWE | Location | Title | Status |\n| --- | --- | --- | --- | --- | --- |',
    data.findings.map(
      (finding) =>
        `| ${finding.id} | ${finding.severity} | ${finding.cwe ?? ''} | \`${finding.location.file}:${finding.location.line}\` | ${cell(finding.title)} | ${finding.status} ${finding.confirmations}/${finding.votes.length} |`,
    ),
  );
  details(
    'Measured findings, values redacted',
    '| Id | Severity | Rule | Location | Message |\n| --- | --- | --- | --- | --- |',
    data.evidence.findings.map(
      (finding) =>
        `| ${finding.id} | ${finding.severity} | ${finding.ruleId} | \`${finding.file}:${finding.line}\` | ${cell(finding.message)} |`,
    ),
  );
  details(
    'Compliance checklist',
    '| Check | Result | Evidence |\n| --- | --- | --- |',
    data.compliance.map(
      (check) =>
        `| ${cell(check.name)} | ${CHECK_MARK[check.status]} ${check.status} | ${cell(check.summary)} |`,
    ),
  );
  details(
    'Rejected auditor findings (not reported as fact)',
    '| Auditor | Claimed location | Reason |\n| --- | --- | --- |',
    data.rejectedFindings.map(
      (item) => `| ${item.agentId} | ${cell(item.claimedLocation ?? '')} | ${cell(item.reason)} |`,
    ),
  );
  out.push('');
  return redactSecrets(out.join('\n'));
}

const SEVERITY_LEVEL = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
} as const;
const SECURITY_SEVERITY = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

/** The path of `project` below `sourceRoot` with a trailing slash, for SARIF URIs. */
function prefixBelow(sourceRoot: string, project: string): string {
  const below = nodePath.relative(sourceRoot, project).split(nodePath.sep).join('/');
  if (below === '..' || below.startsWith('../') || nodePath.isAbsolute(below)) {
    throw new ValidationError(
      'sourceRoot',
      `must contain the project (${project}), got ${sourceRoot}`,
    );
  }
  return below === '' ? '' : `${below}/`;
}

/** Where the tool that wrote the log is documented. */
const BATON_DRIVER = { name: 'baton', informationUri: 'https://www.npmjs.com/package/@baton/cli' };

/**
 * The report as SARIF 2.1.0 for code scanning: a result for every measured finding (its rule
 * id), every confirmed auditor finding (rule `deep-dive/<CWE>`, level from its severity) and
 * every disputed one (level `note`, message starting "Disputed"), each at its verified file and
 * line relative to `%SRCROOT%` (the project, or `options.sourceRoot`). Rules carry
 * `security-severity` and the CWE tag. Rejected findings have no verified location and are not
 * results.
 */
export function formatSecuritySarif(report: Report, options: SarifOptions = {}): SarifLog {
  const data = dataOf(report);
  type Result = SarifLog['runs'][number]['results'][number];
  type Rule = SarifLog['runs'][number]['tool']['driver']['rules'][number];
  const rules: Rule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Result[] = [];
  const sourceRoot = options.sourceRoot ?? data.path;
  const prefix = prefixBelow(sourceRoot, data.path);
  const add = (input: {
    ruleId: string;
    description: string;
    severity: keyof typeof SEVERITY_LEVEL;
    cwe: string | null;
    level: Result['level'];
    message: string;
    file: string;
    line: number;
  }): void => {
    if (!ruleIndex.has(input.ruleId)) {
      ruleIndex.set(input.ruleId, rules.length);
      rules.push({
        id: input.ruleId,
        shortDescription: { text: input.description },
        defaultConfiguration: { level: SEVERITY_LEVEL[input.severity] },
        properties: {
          tags: [
            'security',
            ...(input.cwe === null ? [] : [`external/cwe/${input.cwe.toLowerCase()}`]),
          ],
          'security-severity': SECURITY_SEVERITY[input.severity],
        },
      });
    }
    results.push({
      ruleId: input.ruleId,
      ruleIndex: ruleIndex.get(input.ruleId)!,
      level: input.level,
      message: { text: redactSecrets(input.message) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(`${prefix}${input.file}`), uriBaseId: '%SRCROOT%' },
            region: { startLine: Math.max(1, input.line) },
          },
        },
      ],
    });
  };
  for (const finding of data.evidence.findings) {
    add({
      ruleId: finding.ruleId,
      description: finding.message
        .replace(/ \(in test code or fixtures\)$/, '')
        .replace(/ \(.*\)$/, ''),
      severity: finding.severity,
      cwe: finding.cwe,
      level: SEVERITY_LEVEL[finding.severity],
      message: `${finding.id}: ${finding.message}`,
      file: finding.file,
      line: finding.line,
    });
  }
  for (const finding of data.findings) {
    const confirmed = finding.status === 'confirmed';
    add({
      ruleId: `deep-dive/${finding.cwe ?? 'finding'}`,
      description: `Security auditor finding${finding.cwe === null ? '' : ` (${finding.cwe})`}`,
      severity: finding.severity,
      cwe: finding.cwe,
      level: confirmed ? SEVERITY_LEVEL[finding.severity] : 'note',
      message: `${confirmed ? '' : 'Disputed: '}${finding.id} ${finding.title} (${finding.confirmations} of ${finding.votes.length} auditors confirm). Fix: ${finding.fix}`,
      file: finding.location.file,
      line: finding.location.line,
    });
  }
  const rootUri = `file://${encodeURI(sourceRoot.replace(/\/*$/, '/'))}`;
  const run: SarifLog['runs'][number] = {
    tool: { driver: { ...BATON_DRIVER, rules } },
    results,
    originalUriBaseIds: { '%SRCROOT%': { uri: rootUri } },
    // An auditor that failed or timed out means the run did not do all it set out to.
    invocations: [{ executionSuccessful: data.auditors.missing.length === 0 }],
  };
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}
