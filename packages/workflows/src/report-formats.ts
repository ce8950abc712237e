import { ValidationError } from '@baton/core';
import type { QualityGate } from './quality-gates.js';
import { collectEvidence, isReleaseAgentOutput, type ReleaseEvidence } from './release-evidence.js';
import type { ReleaseReadinessReportData } from './release-readiness-report.js';

/** How many entries each list of findings shows in the console and Markdown reports. */
export const TOP_FINDINGS_LIMIT = 10;

const RULE = '='.repeat(70);
const LINE = '-'.repeat(70);

/** A figure for people: `unknown` for null, at most two decimals otherwise. */
export function formatFigure(value: number | null): string {
  if (value === null) return 'unknown';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

function seconds(value: number): string {
  return `${value.toFixed(2)}s`;
}

function gateLine(gate: QualityGate): string {
  const figures = `(actual: ${formatFigure(gate.actual)}, threshold: ${formatFigure(gate.threshold)})`;
  if (gate.passed) return `✅ ${gate.name}: PASS ${figures}`;
  if (!gate.critical) return `⚠️  ${gate.name}: below threshold ${figures}`;
  return `❌ ${gate.name}: FAIL ${figures}`;
}

function section(title: string): string[] {
  return ['', LINE, title, LINE];
}

/** A finding worth a person's look, with its location; shared by every format. */
interface TopFinding {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  /** critical, high, ... for security and model findings. */
  severity?: string;
  file?: string;
  line?: number;
  message: string;
}

/** Everything the detailed sections show, bounded by {@link TOP_FINDINGS_LIMIT} where listed. */
interface Details {
  security: TopFinding[];
  securityTotal: number;
  coverage: TopFinding[];
  quality: TopFinding[];
  documentation: TopFinding[];
  documentationTotal: number;
  model: Array<TopFinding & { agentId: string }>;
  recommendations: Array<{ agentId: string; text: string }>;
}

const SECURITY_LEVEL: Record<string, TopFinding['level']> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

function gateFailed(report: ReleaseReadinessReportData, key: QualityGate['key']): boolean {
  return report.qualityGates.some((gate) => gate.key === key && !gate.passed);
}

/** Every finding of the report's evidence, as locations with rule ids (unbounded). */
function allFindings(report: ReleaseReadinessReportData): Details {
  const evidence: ReleaseEvidence = collectEvidence(report.agentResults);
  const details: Details = {
    security: [],
    securityTotal: 0,
    coverage: [],
    quality: [],
    documentation: [],
    documentationTotal: 0,
    model: [],
    recommendations: [],
  };
  const security = evidence.security?.measured;
  if (security !== undefined) {
    details.securityTotal = security.findings.length;
    details.security = security.findings.map((finding) => ({
      ruleId: finding.ruleId,
      level: SECURITY_LEVEL[finding.severity] ?? 'note',
      severity: finding.severity,
      file: finding.file,
      line: finding.line,
      message: finding.message,
    }));
  }
  const coverage = evidence.coverage?.measured;
  if (coverage?.status === 'measured') {
    const level = gateFailed(report, 'min_coverage') ? 'warning' : 'note';
    details.coverage = coverage.leastCovered.map((file) => ({
      ruleId: 'coverage/uncovered-lines',
      level,
      file: file.path,
      ...(file.uncoveredRanges?.[0] === undefined ? {} : { line: file.uncoveredRanges[0].start }),
      message: `${formatFigure(file.percent)}% of lines covered (${file.linesCovered}/${file.linesTotal})${file.uncoveredLines === undefined ? '' : `; uncovered lines ${file.uncoveredLines}`}`,
    }));
  }
  const quality = evidence.quality?.measured;
  if (quality?.status === 'measured') {
    const level = gateFailed(report, 'min_quality_score') ? 'warning' : 'note';
    for (const deduction of quality.deductions) {
      if (deduction.points <= 0) continue;
      details.quality.push({
        ruleId: `quality/${deduction.signal}`,
        level,
        message: `-${formatFigure(deduction.points)} points: ${deduction.detail}`,
      });
    }
    for (const item of quality.complexFunctions) {
      details.quality.push({
        ruleId: 'quality/complex-function',
        level,
        file: item.file,
        line: item.line,
        message: `${item.name} has cyclomatic complexity ${item.complexity}`,
      });
    }
    for (const item of quality.oversizedFunctions) {
      details.quality.push({
        ruleId: 'quality/oversized-function',
        level,
        file: item.file,
        line: item.line,
        message: `${item.name} is ${item.lines} lines long`,
      });
    }
    for (const item of quality.oversizedFiles) {
      details.quality.push({
        ruleId: 'quality/oversized-file',
        level,
        file: item.file,
        line: 1,
        message: `${item.file} is ${item.lines} lines long`,
      });
    }
    for (const block of quality.duplicateBlocks) {
      details.quality.push({
        ruleId: 'quality/duplicate-block',
        level,
        file: block.file,
        line: block.startLine,
        message: `lines ${block.startLine}-${block.endLine} duplicate ${block.duplicateOf.file}:${block.duplicateOf.startLine}-${block.duplicateOf.endLine}`,
      });
    }
  }
  const documentation = evidence.documentation?.measured;
  if (documentation?.status === 'measured') {
    const level = gateFailed(report, 'min_doc_coverage') ? 'warning' : 'note';
    details.documentationTotal = documentation.total;
    details.documentation = documentation.undocumented.map((symbol) => ({
      ruleId: 'docs/undocumented-export',
      level,
      file: symbol.file,
      line: symbol.line,
      message: `${symbol.kind} ${symbol.name} is exported by ${symbol.packageName} without a doc comment`,
    }));
  }
  for (const result of report.agentResults) {
    if (!result.success || !isReleaseAgentOutput(result.output)) continue;
    const { check, review } = result.output;
    if (review?.status !== 'reviewed') continue;
    for (const finding of review.findings) {
      details.model.push({
        agentId: result.agentId,
        ruleId: `model-review/${check}`,
        level: finding.severity === 'critical' || finding.severity === 'high' ? 'warning' : 'note',
        severity: finding.severity,
        ...(finding.location === undefined
          ? {}
          : {
              file: finding.location.file,
              ...(finding.location.line === undefined ? {} : { line: finding.location.line }),
            }),
        message: finding.message,
      });
    }
    for (const text of review.recommendations) {
      details.recommendations.push({ agentId: result.agentId, text });
    }
  }
  return details;
}

function location(finding: TopFinding): string {
  if (finding.file === undefined) return '';
  return finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;
}

function bounded<T>(list: readonly T[], limit = TOP_FINDINGS_LIMIT): { shown: T[]; more: number } {
  return { shown: list.slice(0, limit), more: Math.max(0, list.length - limit) };
}

/**
 * The report for a terminal: header, status, confidence, timestamp, duration, one line per gate
 * with its actual figure and threshold (`unknown` when it could not be measured), blockers,
 * warnings, summary, agents with their durations, and the top findings (least-covered files with
 * their uncovered lines, security findings by rule and location with values redacted, quality
 * deductions, undocumented symbols, model findings), each list bounded.
 *
 * @example
 * ```ts
 * process.stdout.write(`${formatConsoleOutput(report)}\n`);
 * ```
 */
export function formatConsoleOutput(report: ReleaseReadinessReportData): string {
  const lines: string[] = [
    RULE,
    'RELEASE READINESS REPORT',
    RULE,
    '',
    `Status: ${report.approved ? '✅ READY FOR RELEASE' : '❌ NOT READY'}`,
    `Confidence: ${report.confidence.toUpperCase()}`,
    `Generated: ${report.timestamp}`,
    `Duration: ${seconds(report.totalDuration)}`,
    `Path: ${report.path}`,
  ];
  lines.push(...section('QUALITY GATES'));
  if (report.qualityGates.length === 0) lines.push('(no gate was checked)');
  for (const gate of report.qualityGates) lines.push(gateLine(gate));
  if (report.blockers.length > 0) {
    lines.push(...section(`BLOCKERS (${report.blockers.length})`));
    for (const blocker of report.blockers) lines.push(`❌ ${blocker}`);
  }
  if (report.warnings.length > 0) {
    lines.push(...section(`WARNINGS (${report.warnings.length})`));
    for (const warning of report.warnings) lines.push(`⚠️  ${warning}`);
  }
  lines.push(...section('SUMMARY'), report.summary);
  lines.push(...section(`AGENTS EXECUTED (${report.agentResults.length})`));
  for (const result of report.agentResults) {
    const status = result.success ? '✅' : '❌';
    const error = result.success ? '' : ` (${result.error})`;
    lines.push(`${status} ${result.agentId}: ${seconds(result.durationSeconds)}${error}`);
  }

  const details = allFindings(report);
  const findingLines: string[] = [];
  const list = (
    title: string,
    items: readonly TopFinding[],
    render: (item: TopFinding) => string,
    total = items.length,
  ): void => {
    if (items.length === 0) return;
    const { shown, more } = bounded(items);
    findingLines.push('', `${title} (${total}):`);
    for (const item of shown) findingLines.push(`  ${render(item)}`);
    if (more > 0) findingLines.push(`  ... and ${more} more (see --json)`);
  };
  list('Least-covered files', details.coverage, (item) => `${item.file}: ${item.message}`);
  list(
    'Security findings, values redacted',
    details.security,
    (item) =>
      `${(item.severity ?? '').padEnd(8)} ${item.ruleId} ${location(item)} — ${item.message}`,
    details.securityTotal,
  );
  list('Code quality deductions', details.quality, (item) =>
    item.file === undefined ? item.message : `${location(item)} — ${item.message}`,
  );
  list(
    'Undocumented public API',
    details.documentation,
    (item) => `${location(item)} — ${item.message}`,
    details.documentation.length,
  );
  list(
    'Model review findings to confirm',
    details.model,
    (item) =>
      `${(item.severity ?? '').padEnd(8)} ${location(item)}${item.file === undefined ? '' : ' — '}${item.message}`,
  );
  if (details.recommendations.length > 0) {
    const { shown, more } = bounded(details.recommendations);
    findingLines.push('', `Model recommendations (${details.recommendations.length}):`);
    for (const item of shown) findingLines.push(`  ${item.agentId}: ${item.text}`);
    if (more > 0) findingLines.push(`  ... and ${more} more (see --json)`);
  }
  if (findingLines.length > 0) {
    lines.push(...section('TOP FINDINGS'), ...findingLines.slice(1));
  }
  lines.push(RULE);
  return lines.join('\n');
}

function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/</g, '&lt;');
}

function gateStatus(gate: QualityGate): string {
  if (gate.passed) return '✅ pass';
  return gate.critical ? '❌ fail' : '⚠️ below threshold';
}

/**
 * The report as Markdown for a pull-request comment: status, a gate table, blockers and
 * warnings, and collapsible details (findings, agents, model review).
 *
 * @example
 * ```ts
 * await writeFile('release-report.md', formatMarkdown(report));
 * ```
 */
export function formatMarkdown(report: ReleaseReadinessReportData): string {
  const out: string[] = [
    `## ${report.approved ? '✅ Release readiness: READY FOR RELEASE' : '❌ Release readiness: NOT READY'}`,
    '',
    `**Confidence:** ${report.confidence} · **Duration:** ${seconds(report.totalDuration)} · **Generated:** ${report.timestamp}`,
    '',
    '| Gate | Result | Actual | Threshold | Details |',
    '| --- | --- | ---: | ---: | --- |',
  ];
  for (const gate of report.qualityGates) {
    const comparison = gate.key === 'max_critical_issues' ? '≤' : '≥';
    out.push(
      `| ${cell(gate.name)} | ${gateStatus(gate)} | ${formatFigure(gate.actual)} | ${comparison} ${formatFigure(gate.threshold)} | ${cell(gate.message)} |`,
    );
  }
  if (report.blockers.length > 0) {
    out.push('', `### Blockers (${report.blockers.length})`, '');
    for (const blocker of report.blockers) out.push(`- ${cell(blocker)}`);
  }
  if (report.warnings.length > 0) {
    out.push('', `### Warnings (${report.warnings.length})`, '');
    for (const warning of report.warnings) out.push(`- ${cell(warning)}`);
  }
  out.push('', report.summary);

  const details = allFindings(report);
  const table = (title: string, items: readonly TopFinding[], total = items.length): void => {
    if (items.length === 0) return;
    const { shown, more } = bounded(items);
    out.push('', `<details><summary>${cell(title)} (${total})</summary>`, '');
    out.push('| Rule | Location | Message |', '| --- | --- | --- |');
    for (const item of shown) {
      const where = location(item);
      out.push(
        `| ${cell(item.severity === undefined ? item.ruleId : `${item.severity}: ${item.ruleId}`)} | ${where === '' ? '' : `\`${cell(where)}\``} | ${cell(item.message)} |`,
      );
    }
    if (more > 0) out.push('', `… and ${more} more in the JSON report.`);
    out.push('', '</details>');
  };
  table('Security findings, values redacted', details.security, details.securityTotal);
  table('Least-covered files', details.coverage);
  table('Code quality deductions', details.quality);
  table('Undocumented public API', details.documentation);
  table('Model review findings to confirm', details.model);
  if (details.recommendations.length > 0) {
    out.push(
      '',
      `<details><summary>Model recommendations (${details.recommendations.length})</summary>`,
      '',
    );
    for (const item of bounded(details.recommendations).shown) {
      out.push(`- **${cell(item.agentId)}:** ${cell(item.text)}`);
    }
    out.push('', '</details>');
  }
  out.push('', `<details><summary>Agents (${report.agentResults.length})</summary>`, '');
  out.push('| Agent | Result | Duration |', '| --- | --- | ---: |');
  for (const result of report.agentResults) {
    out.push(
      `| ${cell(result.agentId)} | ${result.success ? '✅ ok' : `❌ ${cell(result.error)}`} | ${seconds(result.durationSeconds)} |`,
    );
  }
  out.push('', '</details>', '');
  return out.join('\n');
}

/** The SARIF 2.1.0 schema location written into every SARIF report. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** A SARIF 2.1.0 log, as far as {@link formatSarif} writes it. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: {
      driver: {
        name: string;
        informationUri: string;
        rules: Array<{
          id: string;
          shortDescription: { text: string };
          defaultConfiguration: { level: 'error' | 'warning' | 'note' };
          properties?: Record<string, unknown>;
        }>;
      };
    };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: 'error' | 'warning' | 'note';
      message: { text: string };
      locations: Array<{
        physicalLocation: {
          artifactLocation: { uri: string; uriBaseId: string };
          region: { startLine: number };
        };
      }>;
    }>;
    originalUriBaseIds: Record<string, { uri: string }>;
    invocations: Array<{ executionSuccessful: boolean }>;
  }>;
}

const SECURITY_SEVERITY_SCORE: Record<string, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

function ruleDescription(finding: TopFinding): string {
  if (finding.ruleId === 'coverage/uncovered-lines') return 'Lines not covered by the tests';
  if (finding.ruleId === 'docs/undocumented-export') return 'Exported symbol without a doc comment';
  if (finding.ruleId.startsWith('model-review/')) return 'Finding of a model review (to confirm)';
  if (finding.ruleId.startsWith('quality/')) return `Code quality: ${finding.ruleId.slice(8)}`;
  if (finding.ruleId.startsWith('dependency/')) return 'Dependency with a security advisory';
  return finding.message.replace(/ \(in test code or fixtures\)$/, '');
}

/** Options of {@link formatSarif}. */
export interface SarifOptions {
  /**
   * The directory URIs are relative to (absolute; default: the project root). Pass the repository
   * root when the project is a sub-directory of its repository.
   */
  sourceRoot?: string | undefined;
}

/** The project's path below `sourceRoot` with a trailing slash (`''` when they are the same). */
function projectPrefix(sourceRoot: string, project: string): string {
  const trim = (directory: string) => directory.replace(/[\\/]+$/, '');
  const base = trim(sourceRoot);
  const inner = trim(project);
  if (inner === base) return '';
  if (!inner.startsWith(`${base}/`)) {
    throw new ValidationError(
      'sourceRoot',
      `must contain the project (${project}), got ${sourceRoot}`,
    );
  }
  return `${inner.slice(base.length + 1)}/`;
}

function isProjectRelative(file: string): boolean {
  return !file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file) && !file.startsWith('..');
}

/**
 * The report's findings as SARIF 2.1.0, for code scanning: tool `baton` with a rule for every rule
 * id that appears; each result has its rule id, a level (security: critical/high `error`, medium
 * `warning`, low `note`; coverage, quality and documentation findings `warning` when their gate
 * failed, else `note`; model findings `warning` for critical/high, else `note`), a message, and
 * a location relative to `%SRCROOT%` with its start line. `%SRCROOT%` is the project root, or
 * `options.sourceRoot` when given: code scanning resolves URIs against the repository root, so a
 * project in a sub-directory of its repository should pass the repository root. Findings without
 * a file in the project (e.g. score deductions) are not results; the gates are in the other formats.
 *
 * @example
 * ```ts
 * await writeFile('baton.sarif', JSON.stringify(formatSarif(report), null, 2));
 * ```
 */
export function formatSarif(
  report: ReleaseReadinessReportData,
  options: SarifOptions = {},
): SarifLog {
  const details = allFindings(report);
  const findings = [
    ...details.security,
    ...details.coverage,
    ...details.quality,
    ...details.documentation,
    ...details.model,
  ].filter(
    (finding): finding is TopFinding & { file: string } =>
      finding.file !== undefined && isProjectRelative(finding.file),
  );
  const rules: SarifLog['runs'][number]['tool']['driver']['rules'] = [];
  const ruleIndex = new Map<string, number>();
  for (const finding of findings) {
    if (ruleIndex.has(finding.ruleId)) continue;
    ruleIndex.set(finding.ruleId, rules.length);
    const security = details.security.includes(finding);
    rules.push({
      id: finding.ruleId,
      shortDescription: { text: ruleDescription(finding) },
      defaultConfiguration: { level: finding.level },
      ...(security && finding.severity !== undefined
        ? {
            properties: {
              tags: ['security'],
              'security-severity': SECURITY_SEVERITY_SCORE[finding.severity] ?? '1.0',
            },
          }
        : {}),
    });
  }
  const sourceRoot = options.sourceRoot ?? report.path;
  const prefix = projectPrefix(sourceRoot, report.path);
  const root = sourceRoot.endsWith('/') ? sourceRoot : `${sourceRoot}/`;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'baton',
            informationUri: 'https://www.npmjs.com/package/@baton/cli',
            rules,
          },
        },
        results: findings.map((finding) => ({
          ruleId: finding.ruleId,
          ruleIndex: ruleIndex.get(finding.ruleId)!,
          level: finding.level,
          message: { text: finding.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: {
                  uri: encodeURI(`${prefix}${finding.file}`),
                  uriBaseId: '%SRCROOT%',
                },
                region: { startLine: Math.max(1, finding.line ?? 1) },
              },
            },
          ],
        })),
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${encodeURI(root)}` } },
        invocations: [
          {
            executionSuccessful: report.agentResults.every((result) => result.success),
          },
        ],
      },
    ],
  };
}

/**
 * The process exit code for a verdict: 0 when a release report is approved or a coverage boost
 * reached its target, 1 otherwise.
 */
export function exitCodeFor(result: { approved: boolean } | { targetReached: boolean }): 0 | 1 {
  return ('approved' in result ? result.approved : result.targetReached) ? 0 : 1;
}
