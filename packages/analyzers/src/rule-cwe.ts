import type { CodePatternRule } from './code-patterns.js';
import type { SurfaceRule } from './surface-items.js';
import type { TlsAuthRule } from './tls-auth-settings.js';

/**
 * The CWE each rule of the security analyses finds: the dangerous-code rules of `scanSecurity`,
 * the TLS and authentication settings and the attack-surface findings. Secrets (`secret/*`) are
 * CWE-798 and dependency advisories (`dependency/*`) CWE-1395; see {@link cweForRule}.
 */
export const RULE_CWE: Readonly<Record<CodePatternRule | TlsAuthRule | SurfaceRule, string>> =
  Object.freeze({
    'js/dynamic-eval': 'CWE-95',
    'js/function-constructor': 'CWE-95',
    'js/vm-run-code': 'CWE-95',
    'js/shell-command-from-string': 'CWE-78',
    'js/spawn-shell': 'CWE-78',
    'js/tls-verification-disabled': 'CWE-295',
    'js/unsafe-deserialization': 'CWE-502',
    'py/subprocess-shell-true': 'CWE-78',
    'py/os-system': 'CWE-78',
    'py/dynamic-eval': 'CWE-95',
    'py/unsafe-deserialization': 'CWE-502',
    'py/tls-verification-disabled': 'CWE-295',
    'tls/weak-protocol-version': 'CWE-327',
    'tls/server-identity-check-disabled': 'CWE-297',
    'tls/cleartext-request': 'CWE-319',
    'auth/insecure-cookie': 'CWE-614',
    'auth/cors-any-origin-with-credentials': 'CWE-942',
    'auth/jwt-none-algorithm': 'CWE-347',
    'auth/jwt-signature-unverified': 'CWE-347',
    'auth/jwt-expiry-ignored': 'CWE-613',
    'auth/hard-coded-signing-secret': 'CWE-798',
    'config/debug-mode-enabled': 'CWE-489',
    'surface/command-injection': 'CWE-78',
    'surface/unsafe-deserialization-of-input': 'CWE-502',
    'surface/path-traversal': 'CWE-22',
    'surface/server-side-request-forgery': 'CWE-918',
  });

/**
 * The CWE id (`CWE-78`) of a security rule id, or undefined for a rule without one.
 *
 * @example
 * ```ts
 * cweForRule('secret/github-token'); // 'CWE-798'
 * cweForRule('surface/command-injection'); // 'CWE-78'
 * ```
 */
export function cweForRule(ruleId: string): string | undefined {
  if (ruleId.startsWith('secret/')) return 'CWE-798';
  if (ruleId.startsWith('dependency/')) return 'CWE-1395';
  return (RULE_CWE as Readonly<Record<string, string>>)[ruleId];
}
