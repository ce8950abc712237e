import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';
import { type AstNode, isConstantString, nameOf, walkAst } from './ast.js';
import { classifyCall, FileModules, memberChain, unwrapExpression } from './call-sinks.js';
import { pythonCodeLines } from './code-patterns.js';
import { createProjectIndex, type ProjectIndex } from './project-index.js';
import { redactEvidence, redactSecret } from './secrets.js';
import {
  type SecurityFinding,
  type Severity,
  securityFindingSchema,
  testSeverity,
} from './security-finding.js';
import { LineIndex, type ParsedSource, type SourceFile } from './source-file.js';

/**
 * Rule ids and descriptions of the TLS and authentication settings checks. They add to the
 * dangerous-code rules of `scanSecurity` (which already reports `rejectUnauthorized: false`,
 * `NODE_TLS_REJECT_UNAUTHORIZED = '0'` and Python `verify=False`) and never repeat them.
 */
export const TLS_AUTH_RULES = {
  'tls/weak-protocol-version': 'TLS/SSL protocol version older than TLS 1.2 allowed',
  'tls/server-identity-check-disabled': 'TLS host name (server identity) check turned off',
  'tls/cleartext-request': 'request to a remote host over plain http://',
  'auth/insecure-cookie': 'cookie set without the Secure or HttpOnly flag',
  'auth/cors-any-origin-with-credentials': 'CORS allows any origin together with credentials',
  'auth/jwt-none-algorithm': 'JWT verification accepts the "none" algorithm (unsigned tokens)',
  'auth/jwt-signature-unverified': 'JWT decoded without verifying its signature',
  'auth/jwt-expiry-ignored': 'JWT verification ignores the expiry',
  'auth/hard-coded-signing-secret': 'session or JWT signing secret written in the code',
  'config/debug-mode-enabled': 'debug mode on in server code (debugger and stack traces exposed)',
} as const;
/** A rule id of {@link TLS_AUTH_RULES}. */
export type TlsAuthRule = keyof typeof TLS_AUTH_RULES;

const SEVERITY: Record<TlsAuthRule, Severity> = {
  'tls/weak-protocol-version': 'high',
  'tls/server-identity-check-disabled': 'high',
  'tls/cleartext-request': 'medium',
  'auth/insecure-cookie': 'medium',
  'auth/cors-any-origin-with-credentials': 'high',
  'auth/jwt-none-algorithm': 'critical',
  'auth/jwt-signature-unverified': 'medium',
  'auth/jwt-expiry-ignored': 'medium',
  'auth/hard-coded-signing-secret': 'high',
  'config/debug-mode-enabled': 'high',
};

/** The result of {@link scanTlsAuthSettings}. */
export const tlsAuthResultSchema = z.object({
  /** Every finding, by file and line. Secret values are redacted. */
  findings: z.array(securityFindingSchema),
  /** JS/TS and Python files checked (files that failed to parse are not counted). */
  scannedFiles: z.number().int(),
  /** One line for reports. */
  summary: z.string(),
});
/** The result of {@link scanTlsAuthSettings}. */
export type TlsAuthResult = z.infer<typeof tlsAuthResultSchema>;

/** Options for {@link scanTlsAuthSettings}. */
export interface ScanTlsAuthSettingsOptions {
  /** Project root. */
  root: string;
  /** A project index to share with other analyses. */
  index?: ProjectIndex;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Checks TLS and authentication settings in JS/TS (AST) and Python (line by line): TLS versions
 * below 1.2, a no-op `checkServerIdentity` / `check_hostname = False`, plain `http://` requests to
 * remote hosts, cookies with `secure: false` or `httpOnly: false`, CORS `origin: '*'` with
 * credentials, JWT `none` algorithm, unverified or expiry-ignoring JWT decoding, session and JWT
 * secrets written as literals, and server debug mode. Findings in test code and fixtures are at
 * most `low`; literal secrets are redacted in the evidence.
 *
 * @example
 * ```ts
 * const settings = await scanTlsAuthSettings({ root: '.' });
 * for (const finding of settings.findings) console.log(finding.ruleId, `${finding.file}:${finding.line}`);
 * ```
 */
export async function scanTlsAuthSettings(
  options: ScanTlsAuthSettingsOptions,
): Promise<TlsAuthResult> {
  const { signal, logger = noopLogger } = options;
  throwIfAborted(signal);
  const index = options.index ?? (await createProjectIndex({ root: options.root, signal, logger }));
  const findings: SecurityFinding[] = [];
  let scannedFiles = 0;
  for (const [position, file] of index.files.entries()) {
    if (position % 256 === 0) throwIfAborted(signal);
    if (file.language === 'python') {
      findings.push(...scanPythonSettings(file));
      scannedFiles += 1;
    } else if (file.language !== undefined) {
      const parsed = index.parse(file);
      if (parsed === undefined) continue;
      findings.push(...scanScriptSettings(file, parsed));
      scannedFiles += 1;
    }
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return {
    findings,
    scannedFiles,
    summary: `${findings.length} TLS and authentication setting findings in ${scannedFiles} files`,
  };
}

function settingFinding(
  file: SourceFile,
  rule: TlsAuthRule,
  line: number,
  text: string,
  secret?: string,
): SecurityFinding {
  const masked =
    secret === undefined || secret === '' ? text : text.split(secret).join(redactSecret(secret));
  return {
    ruleId: rule,
    category: 'code',
    severity: file.isTest ? testSeverity(SEVERITY[rule]) : SEVERITY[rule],
    file: file.path,
    line,
    message: `${TLS_AUTH_RULES[rule].charAt(0).toUpperCase()}${TLS_AUTH_RULES[rule].slice(1)}${file.isTest ? ' (in test code or fixtures)' : ''}`,
    evidence: redactEvidence(masked),
    testFixture: file.isTest,
  };
}

const WEAK_VERSIONS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);
const WEAK_PROTOCOL_METHOD = /^(?:SSLv2|SSLv3|TLSv1|TLSv1_1)_(?:client_|server_)?method$/;
const SESSION_FACTORIES = new Set(['session', 'expressSession', 'cookieSession']);
const LOOPBACK = /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$|\.localhost$/i;

function literal(node: unknown): AstNode | undefined {
  const value = node as AstNode | undefined;
  return value?.type === 'Literal' ? value : undefined;
}

function stringValue(node: unknown): string | undefined {
  const value = literal(node)?.value;
  return typeof value === 'string' ? value : undefined;
}

/** A function that does nothing: `() => undefined`, `() => {}`, `function () { return; }`. */
function isNoOp(node: AstNode): boolean {
  if (node.type !== 'ArrowFunctionExpression' && node.type !== 'FunctionExpression') return false;
  const body = node.body as AstNode;
  const nothing = (value: AstNode | null | undefined): boolean =>
    value === null ||
    value === undefined ||
    (value.type === 'Identifier' && value.name === 'undefined') ||
    (value.type === 'Literal' && value.value === null);
  if (body.type !== 'BlockStatement') return nothing(body);
  const statements = body.body as AstNode[];
  return statements.every(
    (statement) =>
      statement.type === 'ReturnStatement' && nothing(statement.argument as AstNode | null),
  );
}

function properties(node: AstNode): Map<string, AstNode> {
  const map = new Map<string, AstNode>();
  for (const property of node.properties as AstNode[]) {
    const key = property.type === 'Property' ? nameOf(property.key) : undefined;
    if (key !== undefined) map.set(key, property);
  }
  return map;
}

/** The called name of a cookie-setting call: `res.cookie(...)`, `ctx.cookies.set(...)`, `session({...})`. */
function isCookieCall(node: AstNode | undefined): boolean {
  if (node?.type !== 'CallExpression') return false;
  const chain = memberChain(node.callee as AstNode);
  if (chain === undefined) return false;
  const last = chain.at(-1)!;
  if (chain.length > 1 && (last === 'cookie' || (last === 'set' && chain.at(-2) === 'cookies'))) {
    return true;
  }
  return chain.length === 1 && SESSION_FACTORIES.has(last);
}

/** The TLS and authentication setting findings of one parsed JS/TS file. */
export function scanScriptSettings(file: SourceFile, parsed: ParsedSource): SecurityFinding[] {
  const lines = new LineIndex(file.text);
  const modules = new FileModules(parsed, file.text);
  const findings: SecurityFinding[] = [];
  const report = (rule: TlsAuthRule, node: AstNode, secret?: string): void => {
    const line = lines.lineOf(node.start);
    if (findings.some((finding) => finding.ruleId === rule && finding.line === line)) return;
    findings.push(settingFinding(file, rule, line, lines.lineText(file.text, line), secret));
  };
  const jwt = (): { namespaces: Set<string>; named: Map<string, string> } =>
    modules.binding('jsonwebtoken');
  const verifies = file.text.includes('verify(');
  const ancestors: AstNode[] = [];

  const onProperty = (node: AstNode): void => {
    const key = nameOf(node.key);
    const value = node.value as AstNode;
    if (key === 'minVersion' && WEAK_VERSIONS.has(stringValue(value) ?? '')) {
      report('tls/weak-protocol-version', node);
    } else if (key === 'secureProtocol' && WEAK_PROTOCOL_METHOD.test(stringValue(value) ?? '')) {
      report('tls/weak-protocol-version', node);
    } else if (key === 'checkServerIdentity' && isNoOp(unwrapExpression(value))) {
      report('tls/server-identity-check-disabled', node);
    } else if ((key === 'secure' || key === 'httpOnly') && literal(value)?.value === false) {
      // The object holding the flag: `{ cookie: { secure: false } }` or `res.cookie(n, v, {...})`.
      const object = ancestors.at(-2);
      const holder = ancestors.at(-3);
      const cookieProperty =
        holder?.type === 'Property' && /^cookies?$/.test(nameOf(holder.key) ?? '');
      if (object?.type === 'ObjectExpression' && (cookieProperty || isCookieCall(holder))) {
        report('auth/insecure-cookie', node);
      }
    } else if (key === 'algorithms' && value.type === 'ArrayExpression') {
      const none = (value.elements as AstNode[]).some(
        (element) => stringValue(element)?.toLowerCase() === 'none',
      );
      if (none) report('auth/jwt-none-algorithm', node);
    } else if (key === 'algorithm' && stringValue(value)?.toLowerCase() === 'none') {
      report('auth/jwt-none-algorithm', node);
    } else if (key === 'ignoreExpiration' && literal(value)?.value === true) {
      report('auth/jwt-expiry-ignored', node);
    }
  };

  const onObject = (node: AstNode): void => {
    const fields = properties(node);
    const credentials = fields.get('credentials');
    const origin = fields.get('origin');
    if (
      credentials !== undefined &&
      origin !== undefined &&
      literal(credentials.value)?.value === true &&
      (stringValue(origin.value) === '*' || literal(origin.value)?.value === true)
    ) {
      report('auth/cors-any-origin-with-credentials', origin);
    }
  };

  const onCall = (node: AstNode): void => {
    const chain = memberChain(node.callee as AstNode);
    if (chain === undefined) return;
    const args = node.arguments as AstNode[];
    const last = chain.at(-1)!;
    const jwtCall =
      chain.length === 2 && jwt().namespaces.has(chain[0]!)
        ? last
        : chain.length === 1
          ? jwt().named.get(last)
          : undefined;
    if ((jwtCall === 'sign' || jwtCall === 'verify') && isConstantString(args[1])) {
      const secret = stringValue(args[1]);
      if (secret !== undefined && secret !== '')
        report('auth/hard-coded-signing-secret', node, secret);
    } else if (jwtCall === 'decode' && !verifies) {
      report('auth/jwt-signature-unverified', node);
    } else if (chain.length === 1 && last === 'cookieParser' && stringValue(args[0])) {
      report('auth/hard-coded-signing-secret', node, stringValue(args[0]));
    } else if (
      chain.length === 1 &&
      SESSION_FACTORIES.has(last) &&
      args[0]?.type === 'ObjectExpression'
    ) {
      const secret = properties(args[0]).get('secret')?.value as AstNode | undefined;
      const value = stringValue(secret);
      if (value !== undefined && value !== '')
        report('auth/hard-coded-signing-secret', secret!, value);
    }
    const sink = classifyCall(node, modules);
    const url = stringValue(args[0]);
    if (sink?.kind === 'outbound-request' && url !== undefined && /^http:\/\//i.test(url)) {
      const host = /^http:\/\/([^/:?#]+|\[[^\]]+\])/i.exec(url)?.[1] ?? '';
      if (!LOOPBACK.test(host)) report('tls/cleartext-request', node);
    }
  };

  walkAst(parsed.program as unknown as AstNode, [
    {
      enter(node) {
        ancestors.push(node);
        if (node.type === 'Property') onProperty(node);
        else if (node.type === 'ObjectExpression') onObject(node);
        else if (node.type === 'CallExpression') onCall(node);
      },
      leave() {
        ancestors.pop();
      },
    },
  ]);
  return findings.sort((a, b) => a.line - b.line);
}

const PYTHON_RULES: ReadonlyArray<{ rule: TlsAuthRule; test: (code: string) => boolean }> = [
  {
    rule: 'tls/weak-protocol-version',
    test: (code) =>
      /\bssl\.PROTOCOL_(?:SSLv2|SSLv3|TLSv1|TLSv1_1)\b|\bTLSVersion\.(?:SSLv3|TLSv1|TLSv1_1)\b/.test(
        code,
      ),
  },
  {
    rule: 'tls/server-identity-check-disabled',
    test: (code) => /\bcheck_hostname\s*=\s*False\b/.test(code),
  },
  {
    rule: 'tls/cleartext-request',
    test: (code) => {
      const url =
        /\b(?:requests|httpx)\.\w+\(\s*['"](http:\/\/[^'"]*)|\burlopen\(\s*['"](http:\/\/[^'"]*)/.exec(
          code,
        );
      const address = url?.[1] ?? url?.[2];
      if (address === undefined) return false;
      return !LOOPBACK.test(/^http:\/\/([^/:?#]+|\[[^\]]+\])/i.exec(address)?.[1] ?? '');
    },
  },
  {
    rule: 'auth/insecure-cookie',
    test: (code) =>
      /\bSESSION_COOKIE_(?:SECURE|HTTPONLY)\s*=\s*False\b|\bset_cookie\([^)]*\b(?:secure|httponly)\s*=\s*False\b/.test(
        code,
      ),
  },
  {
    rule: 'auth/cors-any-origin-with-credentials',
    test: (code) =>
      /\bCORS\(/.test(code) &&
      /\bsupports_credentials\s*=\s*True\b/.test(code) &&
      (!/\borigins\s*=/.test(code) || /\borigins\s*=\s*['"]\*['"]/.test(code)),
  },
  {
    rule: 'auth/jwt-none-algorithm',
    test: (code) => /\balgorithms\s*=\s*\[[^\]]*['"]none['"]/i.test(code),
  },
  {
    rule: 'auth/jwt-signature-unverified',
    test: (code) => /['"]verify_signature['"]\s*:\s*False\b/.test(code),
  },
  {
    rule: 'auth/jwt-expiry-ignored',
    test: (code) => /['"]verify_exp['"]\s*:\s*False\b/.test(code),
  },
  {
    rule: 'auth/hard-coded-signing-secret',
    test: (code) =>
      /^\s*(?:SECRET_KEY|JWT_SECRET_KEY)\s*=\s*['"][^'"]+['"]|\.secret_key\s*=\s*['"][^'"]+['"]|\bjwt\.encode\([^,]+,\s*['"][^'"]+['"]/.test(
        code,
      ),
  },
  {
    rule: 'config/debug-mode-enabled',
    test: (code) => /\.run\([^)]*\bdebug\s*=\s*True\b|^\s*DEBUG\s*=\s*True\b/.test(code),
  },
];

/** The TLS and authentication setting findings of one Python file (comments skipped). */
export function scanPythonSettings(file: SourceFile): SecurityFinding[] {
  const findings: SecurityFinding[] = [];
  for (const { line, raw, code } of pythonCodeLines(file.text)) {
    for (const { rule, test } of PYTHON_RULES) {
      if (!test(code)) continue;
      const secret =
        rule === 'auth/hard-coded-signing-secret'
          ? /['"]([^'"]+)['"]\s*\)?\s*$|,\s*['"]([^'"]+)['"]/.exec(code)?.slice(1).find(Boolean)
          : undefined;
      findings.push(settingFinding(file, rule, line, raw, secret));
    }
  }
  return findings;
}
