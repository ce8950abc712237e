import type { SecurityFinding, Severity } from './security-finding.js';
import { testSeverity } from './security-finding.js';
import type { SourceFile } from './source-file.js';

/** A secret detection rule. */
export interface SecretRule {
  id: string;
  /** What the rule finds, for messages. */
  description: string;
  severity: Severity;
  /** Must have the `g` flag; group `secret` (or the whole match) is the value to redact. */
  pattern: RegExp;
  /** Cheap substring test run before the pattern (case-sensitive). */
  keywords?: readonly string[];
  /** Extra check on the captured value. */
  accept?: (value: string) => boolean;
}

const DASHES = '-{5}';

/** Built-in secret rules. Provider keys with a fixed shape are live credentials: critical. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'secret/private-key',
    description: 'private key block',
    severity: 'critical',
    pattern: new RegExp(
      `${DASHES}BEGIN ((?:RSA|DSA|EC|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY( BLOCK)?${DASHES}`,
      'g',
    ),
    keywords: ['PRIVATE KEY'],
  },
  {
    id: 'secret/aws-access-key-id',
    description: 'AWS access key id',
    severity: 'critical',
    pattern: /\b(?<secret>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})\b/g,
    keywords: ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'ANPA', 'ANVA', 'AIPA'],
  },
  {
    id: 'secret/aws-secret-access-key',
    description: 'AWS secret access key',
    severity: 'critical',
    pattern:
      /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?(?<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    keywords: ['secret', 'SECRET', 'Secret'],
  },
  {
    id: 'secret/github-token',
    description: 'GitHub token',
    severity: 'critical',
    pattern: /\b(?<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b/g,
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  },
  {
    id: 'secret/gitlab-token',
    description: 'GitLab personal access token',
    severity: 'critical',
    pattern: /\b(?<secret>glpat-[A-Za-z0-9_-]{20,})\b/g,
    keywords: ['glpat-'],
  },
  {
    id: 'secret/slack-token',
    description: 'Slack token',
    severity: 'critical',
    pattern: /\b(?<secret>xox[abposr]-[A-Za-z0-9-]{10,})\b/g,
    keywords: ['xox'],
  },
  {
    id: 'secret/slack-webhook',
    description: 'Slack incoming webhook URL',
    severity: 'high',
    pattern:
      /(?<secret>https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+)/g,
    keywords: ['hooks.slack.com'],
  },
  {
    id: 'secret/discord-webhook',
    description: 'Discord webhook URL',
    severity: 'high',
    pattern:
      /(?<secret>https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,})/g,
    keywords: ['discord'],
  },
  {
    id: 'secret/stripe-live-key',
    description: 'Stripe live secret key',
    severity: 'critical',
    pattern: /\b(?<secret>(?:sk|rk)_live_[0-9A-Za-z]{20,})\b/g,
    keywords: ['_live_'],
  },
  {
    id: 'secret/stripe-test-key',
    description: 'Stripe test secret key (not a live credential)',
    severity: 'low',
    pattern: /\b(?<secret>(?:sk|rk)_test_[0-9A-Za-z]{20,})\b/g,
    keywords: ['_test_'],
  },
  {
    id: 'secret/npm-token',
    description: 'npm access token',
    severity: 'critical',
    pattern: /\b(?<secret>npm_[A-Za-z0-9]{36})\b/g,
    keywords: ['npm_'],
  },
  {
    id: 'secret/openai-api-key',
    description: 'OpenAI API key',
    severity: 'critical',
    pattern:
      /\b(?<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})/g,
    keywords: ['T3BlbkFJ'],
  },
  {
    id: 'secret/anthropic-api-key',
    description: 'Anthropic API key',
    severity: 'critical',
    pattern: /\b(?<secret>sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,})/g,
    keywords: ['sk-ant-'],
  },
  {
    id: 'secret/google-api-key',
    description: 'Google API key',
    severity: 'high',
    pattern: /\b(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
    keywords: ['AIza'],
  },
  {
    id: 'secret/generic-credential',
    description: 'high-entropy credential',
    severity: 'high',
    // Found by keyword first (see scanSecrets): the name around the keyword, then the assignment.
    pattern:
      /(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credential)/gi,
    accept: looksLikeCredential,
  },
];

const GENERIC_RULE = 'secret/generic-credential';
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

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const PLACEHOLDER =
  /^(?:x+|\*+|\.+)$|your[_-]|example|changeme|placeholder|dummy|sample|redacted|secret[_-]?here|<[^>]*>|\$\{|\{\{|process\.env|os\.environ|getenv|^env\(/i;
/** An environment variable name such as `API_TOKEN_FROM_ENV`, not a value. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]+$/;

/**
 * True for a value that looks like a real credential: at least 16 characters, letters and digits,
 * Shannon entropy >= 3.5 bits/char, and not a placeholder, an environment lookup or a plain word.
 */
export function looksLikeCredential(value: string): boolean {
  if (value.length < 16) return false;
  if (PLACEHOLDER.test(value) || CONSTANT_NAME.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (/^[a-z]+([._-][a-z]+)+$/i.test(value)) return false; // dotted/dashed identifiers
  if (/^(?:\.{0,2}\/|https?:\/\/[^@]*$)/.test(value)) return false; // paths and URLs without userinfo
  return shannonEntropy(value) >= 3.5;
}

/**
 * Redacts a secret: keeps at most 4 leading characters (fewer for short values, never more than a
 * quarter of the value) and masks the rest, e.g. `AKIA****************`.
 */
export function redactSecret(value: string): string {
  const keep = Math.min(4, Math.floor(value.length / 4));
  return value.slice(0, keep) + '*'.repeat(Math.min(Math.max(value.length - keep, 4), 40));
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

const ASSIGNED_QUOTED =
  /([A-Za-z0-9_.-]*(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credential)[A-Za-z0-9_.-]*["']?\s*(?::=|=>|=|:)\s*)(["'`])([^"'`\n]{4,})\2/gi;

/**
 * A line fit for a report: every provider key or token and every quoted value assigned to a
 * suspicious name (whatever its entropy) is redacted; trimmed to 200 characters.
 */
export function redactEvidence(line: string): string {
  return redactSecrets(line).trim().slice(0, 200);
}

const PRIVATE_KEY_BLOCK =
  /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;

/**
 * Redacts every secret in free text (for example a model's review, which Baton does not control):
 * provider keys and tokens, quoted values assigned to suspicious names, and the body of private
 * key blocks. Nothing else is changed.
 *
 * @example
 * ```ts
 * redactSecrets('the model said: password = "correct-horse-battery"');
 * // 'the model said: password = "corr*****************"'
 * ```
 */
export function redactSecrets(text: string): string {
  let out = text.replace(PRIVATE_KEY_BLOCK, (_match, begin: string, end: string) =>
    end === '' ? `${begin} [redacted]` : `${begin} [redacted] ${end}`,
  );
  out = out.replace(ASSIGNED_QUOTED, (_match, prefix: string, quote: string, value: string) =>
    value.includes('*') && /^[^*]{0,4}\*+$/.test(value)
      ? `${prefix}${quote}${value}${quote}`
      : `${prefix}${quote}${redactSecret(value)}${quote}`,
  );
  for (const rule of SECRET_RULES) {
    if (rule.id === GENERIC_RULE || rule.id === 'secret/private-key') continue;
    out = out.replace(new RegExp(rule.pattern.source, rule.pattern.flags), (match, ...rest) => {
      const groups = rest.at(-1) as Record<string, string> | undefined;
      const value = groups?.secret ?? match;
      return match.replace(value, redactSecret(value));
    });
  }
  return out;
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
