import {
  GENERIC_SECRET_RULE,
  looksLikeCredential,
  redactSecret,
  redactSecrets,
  SECRET_RULES,
  type SecretRule,
  shannonEntropy,
} from '@baton/core';
import type { SecurityFinding } from './security-finding.js';
import { testSeverity } from './security-finding.js';
import type { SourceFile } from './source-file.js';

const GENERIC_RULE = GENERIC_SECRET_RULE;
const NAME_CHARACTER = /[A-Za-z0-9_.-]/;
const ASSIGNED_VALUE =
  /[A-Za-z0-9_.-]*["']?\s*(?::=|=>|=|:)\s*(?:(?<quote>["'`])(?<secret>[^"'`\s]{12,200})\k<quote>|(?<bare>[A-Za-z0-9+/=_.~-]{16,200})(?=[ \t]*(?:\r?\n|$)))/y;

/**
 * Assignments of a value to a name containing a suspicious keyword: each keyword hit is widened
 * to the whole name, then the assignment that follows is matched at that position (linear time).
 * Unquoted values (`KEY=value` in .env, YAML, INI files) count only outside source code.
 */
function* assignmentsOf(
  text: string,
  keywords: RegExp,
  allowBare: boolean,
): Generator<RegExpMatchArray> {
  for (const hit of text.matchAll(keywords)) {
    let start = hit.index;
    while (start > 0 && NAME_CHARACTER.test(text[start - 1]!)) start -= 1;
    ASSIGNED_VALUE.lastIndex = hit.index + hit[0].length;
    const assignment = ASSIGNED_VALUE.exec(text);
    if (assignment === null) continue;
    // In code an unquoted value is a variable or call, not a literal secret.
    if (!allowBare && assignment.groups?.bare !== undefined) continue;
    const whole = text.slice(start, ASSIGNED_VALUE.lastIndex);
    const name = /^[A-Za-z0-9_.-]*/.exec(whole)![0];
    const match = Object.assign([whole], {
      index: start,
      input: text,
      groups: { ...assignment.groups, name },
    }) as unknown as RegExpMatchArray;
    yield match;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}

function lineNumber(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/**
 * A value in a provider's shape that is mostly one repeated character (`sk_live_xxxxxxxx...`,
 * `ghp_XXXXXXXX...`, `AKIA0000000000000000`): a placeholder in documentation or an example file.
 * In a real random key no character fills more than a small share of the value.
 */
function isPlaceholder(value: string): boolean {
  const body = value.slice(4);
  const counts = new Map<string, number>();
  for (const character of body) counts.set(character, (counts.get(character) ?? 0) + 1);
  return Math.max(0, ...counts.values()) >= 0.6 * body.length;
}

/** Files whose content is hashes and generated data, not credentials. */
const LOCKFILE =
  /(^|\/)(pnpm-lock\.yaml|package-lock\.json|yarn\.lock|npm-shrinkwrap\.json|poetry\.lock|Pipfile\.lock|Cargo\.lock|go\.sum|composer\.lock)$/;

interface Span {
  start: number;
  end: number;
}

/**
 * Finds secrets in one file. Every value is redacted in the finding (the evidence line keeps its
 * surroundings). In test code and fixtures a finding's severity is at most `low`.
 */
export function scanSecrets(
  file: SourceFile,
  rules: readonly SecretRule[] = SECRET_RULES,
): SecurityFinding[] {
  if (LOCKFILE.test(file.path) || file.path.endsWith('.map')) return [];
  const text = file.text;
  const found: Array<{ rule: SecretRule; span: Span; name: string | undefined; header: string }> =
    [];
  for (const rule of rules) {
    if (rule.keywords !== undefined && !rule.keywords.some((keyword) => text.includes(keyword))) {
      continue;
    }
    rule.pattern.lastIndex = 0;
    const matches =
      rule.id === GENERIC_RULE
        ? assignmentsOf(text, rule.pattern, file.language === undefined)
        : text.matchAll(rule.pattern);
    for (const match of matches) {
      const groups = match.groups ?? {};
      const value = groups.secret ?? groups.bare ?? match[0];
      if (rule.accept !== undefined && !rule.accept(value)) continue;
      if (rule.id !== GENERIC_RULE && isPlaceholder(value)) continue;
      const valueStart = (match.index ?? 0) + match[0].lastIndexOf(value);
      const span = { start: valueStart, end: valueStart + value.length };
      // A value already reported by a more specific rule is not reported again.
      if (found.some(({ span: other }) => span.start < other.end && other.start < span.end)) {
        continue;
      }
      found.push({ rule, span, name: groups.name, header: match[0] });
    }
  }
  if (found.length === 0) return [];
  const starts = lineStarts(text);
  // Secret values (not key headers) are masked wherever they appear in an evidence line.
  const masked = found.filter((item) => item.rule.id !== 'secret/private-key');
  return found
    .map(({ rule, span, name, header }): SecurityFinding => {
      const line = lineNumber(starts, span.start);
      const lineStart = starts[line - 1]!;
      const newline = text.indexOf('\n', lineStart);
      const lineEnd = newline === -1 ? text.length : newline;
      const evidence =
        rule.id === 'secret/private-key'
          ? header
          : redactEvidence(
              maskSpans(
                text,
                lineStart,
                lineEnd,
                masked.map((item) => item.span),
              ),
            );
      return {
        ruleId: rule.id,
        category: 'secret',
        severity: file.isTest ? testSeverity(rule.severity) : rule.severity,
        file: file.path,
        line,
        message: `${capitalise(rule.description)}${name === undefined ? '' : ` assigned to "${name}"`}${file.isTest ? ' (in test code or fixtures)' : ''}`,
        evidence,
        testFixture: file.isTest,
      };
    })
    .sort((a, b) => a.line - b.line || a.ruleId.localeCompare(b.ruleId));
}

/**
 * A line fit for a report: every provider key or token and every quoted value assigned to a
 * suspicious name (whatever its entropy) is redacted; trimmed to 200 characters.
 */
export function redactEvidence(line: string): string {
  return redactSecrets(line).trim().slice(0, 200);
}

/** The text of [start, end) with every span inside it redacted. */
function maskSpans(text: string, start: number, end: number, spans: readonly Span[]): string {
  const inside = spans
    .filter((span) => span.start < end && span.end > start)
    .sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = start;
  for (const span of inside) {
    const from = Math.max(span.start, start);
    out += text.slice(cursor, from);
    out += redactSecret(text.slice(span.start, span.end));
    cursor = Math.max(cursor, Math.min(span.end, end));
  }
  return out + text.slice(cursor, end);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export {
  looksLikeCredential,
  redactSecret,
  redactSecrets,
  SECRET_RULES,
  type SecretRule,
  shannonEntropy,
};
