// The shapes of secrets and how Baton masks them: one place, used by the analyzers that find
// secrets in a project and by everything that prints or stores an agent's answer.

/** How serious a leaked secret is. */
export type SecretSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** A secret detection rule. */
export interface SecretRule {
  id: string;
  /** What the rule finds, for messages. */
  description: string;
  severity: SecretSeverity;
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

/** The id of the rule that finds high-entropy values assigned to suspicious names. */
export const GENERIC_SECRET_RULE = 'secret/generic-credential';
const GENERIC_RULE = GENERIC_SECRET_RULE;

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

const ASSIGNED_QUOTED =
  /([A-Za-z0-9_.-]*(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credential)[A-Za-z0-9_.-]*["']?\s*(?::=|=>|=|:)\s*)(["'`])([^"'`\n]{4,})\2/gi;

const PRIVATE_KEY_BLOCK =
  /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;

/**
 * The provider rules {@link redactSecrets} applies, as its own copies (made once: a pattern's
 * `lastIndex` is state, and the rules are shared).
 */
const REDACTED_PATTERNS: readonly RegExp[] = SECRET_RULES.filter(
  (rule) => rule.id !== GENERIC_RULE && rule.id !== 'secret/private-key',
).map((rule) => new RegExp(rule.pattern.source, rule.pattern.flags));

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
  for (const pattern of REDACTED_PATTERNS) {
    out = out.replace(pattern, (match, ...rest) => {
      const groups = rest.at(-1) as Record<string, string> | undefined;
      const value = groups?.secret ?? match;
      return match.replace(value, redactSecret(value));
    });
  }
  return out;
}

/**
 * A value with every secret in its text redacted (see {@link redactSecrets}): strings, and the
 * strings inside arrays and plain objects, at any depth; everything else unchanged. The value is
 * copied only where something was redacted.
 *
 * @example
 * ```ts
 * redactDeep({ output: { text: 'token ghp_...' } }); // the token masked, the shape kept
 * ```
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length < 8 ? value : redactSecrets(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const redacted = redactValue(item, depth + 1);
      if (redacted !== item) {
        copy ??= [...value];
        copy[index] = redacted;
      }
    });
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = redactValue(item, depth + 1);
    if (redacted !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = redacted;
    }
  }
  return copy ?? value;
}
