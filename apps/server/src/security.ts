import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BatonError, BatonErrorCode, ValidationError } from '@baton/core';

/** The environment variable that gives the server's token. */
export const SERVER_TOKEN_VARIABLE = 'BATON_SERVER_TOKEN';

/** Where the server keeps its generated token in a project. */
export function serverTokenFile(projectDir: string): string {
  return join(projectDir, '.baton', 'server-token');
}

/**
 * The bearer token: `BATON_SERVER_TOKEN`, else `.baton/server-token`, generated on first start
 * (32 random bytes, file mode 0600).
 */
export function resolveServerToken(input: { projectDir: string; env: NodeJS.ProcessEnv }): {
  token: string;
  source: 'env' | 'file';
  file: string | null;
  created: boolean;
} {
  const fromEnv = input.env[SERVER_TOKEN_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 16) {
      throw new ValidationError(SERVER_TOKEN_VARIABLE, 'must be at least 16 characters');
    }
    return { token: fromEnv, source: 'env', file: null, created: false };
  }
  const file = serverTokenFile(input.projectDir);
  let created = false;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) {
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      `${file} holds no usable token (at least 16 characters): delete it to generate one`,
    );
  }
  return { token, source: 'file', file, created };
}

/** Compares a presented token with the expected one in constant time. */
export function tokenMatches(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

// The nesting limit of JSON from outside is the one of every Baton input (`--context` too).
export { jsonDepthExceeds } from '@baton/core';

/** The first malformed percent-encoding in a URL's path or query, named by where it is. */
export function malformedEncoding(url: URL): string | undefined {
  for (const segment of url.pathname.split('/')) {
    try {
      decodeURIComponent(segment);
    } catch {
      return `path: malformed percent-encoding in "${segment}"`;
    }
  }
  for (const pair of url.search.slice(1).split('&')) {
    if (pair === '') continue;
    const [key = '', value = ''] = pair.split('=');
    try {
      decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      return `query: malformed percent-encoding in "${key}"`;
    }
    try {
      decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      return `query.${key}: malformed percent-encoding`;
    }
  }
  return undefined;
}
