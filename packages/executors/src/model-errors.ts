import { parseRetryAfter } from '@baton/core';
import { APICallError } from 'ai';

const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** The HTTP status of a failed model call, when it got that far. */
export function modelErrorStatus(error: unknown): number | undefined {
  return APICallError.isInstance(error) ? error.statusCode : undefined;
}

/**
 * Whether a failed model call is worth retrying: 408, 409, 425, 429, any 5xx, and network
 * failures are; 400, 401, 403, 404 and other client errors are not.
 */
export function isRetryableModelError(error: unknown): boolean {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) return error.isRetryable || isNetworkError(error.cause);
    return RETRYABLE_STATUS.has(status) || status >= 500;
  }
  return isNetworkError(error);
}

/** The wait a server asked for (`retry-after-ms` or `Retry-After`), in milliseconds. */
export function modelRetryAfterMs(error: unknown): number | undefined {
  if (!APICallError.isInstance(error)) return undefined;
  const headers = error.responseHeaders ?? {};
  const header = (name: string): string | undefined =>
    Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const milliseconds = Number(header('retry-after-ms'));
  if (
    header('retry-after-ms') !== undefined &&
    Number.isFinite(milliseconds) &&
    milliseconds >= 0
  ) {
    return milliseconds;
  }
  return parseRetryAfter(header('retry-after'));
}

/** What the executor was calling when an error happened. */
export interface ModelCallDescription {
  provider: string;
  model: string;
  /** The environment variable holding the API key, named in authentication errors. */
  apiKeyVariable?: string | undefined;
  /** Retries made before giving up. */
  retries?: number;
}

/** A one-line, user-facing reason for a failed model call. */
export function describeModelError(error: unknown, call: ModelCallDescription): string {
  const target = `${call.provider} model "${call.model}"`;
  const tried =
    call.retries !== undefined && call.retries > 0 ? ` after ${call.retries} retries` : '';
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const detail = apiErrorDetail(error);
    if (status === 401 || status === 403) {
      const key = call.apiKeyVariable === undefined ? 'the API key' : call.apiKeyVariable;
      return `Authentication failed (${status}) calling ${target}: check ${key}${detail}`;
    }
    if (status === 429) return `Rate limited (429) calling ${target}${tried}${detail}`;
    if (status === 404)
      return `Not found (404) calling ${target}: check the model name and base URL${detail}`;
    if (status !== undefined && status >= 500) {
      return `Server error (${status}) calling ${target}${tried}${detail}`;
    }
    if (status !== undefined) return `Request rejected (${status}) calling ${target}${detail}`;
    return `Could not reach ${target} at ${error.url}${tried}: ${error.message}`;
  }
  if (isNetworkError(error)) {
    return `Could not reach ${target}${tried}: ${error instanceof Error ? error.message : String(error)}`;
  }
  return `Calling ${target} failed: ${error instanceof Error ? error.message : String(error)}`;
}

function apiErrorDetail(error: APICallError): string {
  const body = error.responseBody;
  let message: string | undefined;
  if (body !== undefined && body !== '') {
    try {
      const parsed = JSON.parse(body) as {
        error?: { message?: unknown } | string;
        message?: unknown;
      };
      const candidate =
        typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
      if (typeof candidate === 'string') message = candidate;
    } catch {
      message = body.slice(0, 200);
    }
  }
  message ??= error.message;
  return message === undefined || message === '' ? '' : `: ${message}`;
}

function isNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (current instanceof TypeError && /fetch failed|network/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
