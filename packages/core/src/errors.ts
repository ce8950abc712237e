/**
 * Stable error codes. Code that handles Baton errors should switch on these, never on messages.
 */
export const BatonErrorCode = {
  VALIDATION: 'BATON_VALIDATION',
  NOT_FOUND: 'BATON_NOT_FOUND',
  TIMEOUT: 'BATON_TIMEOUT',
  ABORTED: 'BATON_ABORTED',
  EXECUTION: 'BATON_EXECUTION',
  CONFIGURATION: 'BATON_CONFIGURATION',
  STORAGE: 'BATON_STORAGE',
  CONFLICT: 'BATON_CONFLICT',
  UNKNOWN: 'BATON_UNKNOWN',
} as const;
/** One of the {@link BatonErrorCode} values. */
export type BatonErrorCode = (typeof BatonErrorCode)[keyof typeof BatonErrorCode];

const marker = 'baton.error';
const symbol = Symbol.for(marker);

/** Options shared by every Baton error. */
export interface BatonErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
}

/**
 * Base class of every error Baton throws. `BatonError.isInstance` works across two copies of
 * the package (a marker symbol, not `instanceof`).
 *
 * @example
 * ```ts
 * try { await run(); } catch (error) {
 *   if (BatonError.isInstance(error) && error.code === BatonErrorCode.TIMEOUT) retry();
 * }
 * ```
 */
export class BatonError extends Error {
  protected readonly [symbol] = true;
  /** Stable machine-readable code. */
  readonly code: string;

  constructor(code: string, message: string, options: BatonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
  }

  /** True for any Baton error, including one thrown by another copy of this package. */
  static isInstance(error: unknown): error is BatonError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[symbol] === true
    );
  }

  /** A plain object for logs and JSON output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.cause === undefined ? {} : { cause: describeError(this.cause) }),
    };
  }
}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `resourceRequirements.maxTokens`. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/** Bad input: the message always names the offending field(s). */
export class ValidationError extends BatonError {
  /** The first offending field. */
  readonly field: string;
  /** Every problem found. */
  readonly issues: readonly ValidationIssue[];

  /**
   * @param fieldOrIssues the offending field, or every issue found
   * @param message what is wrong with the field (when a single field is given)
   */
  constructor(
    fieldOrIssues: string | ValidationIssue[],
    message = 'is invalid',
    options?: BatonErrorOptions,
  ) {
    const list =
      typeof fieldOrIssues === 'string' ? [{ field: fieldOrIssues, message }] : fieldOrIssues;
    const first = list[0] ?? { field: '(input)', message: 'is invalid' };
    super(
      BatonErrorCode.VALIDATION,
      list.map((issue) => `${issue.field}: ${issue.message}`).join('; '),
      options,
    );
    this.name = 'ValidationError';
    this.field = first.field;
    this.issues = list;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field, issues: this.issues };
  }
}

/** An operation ran past its time limit. */
export class TimeoutError extends BatonError {
  /** The limit that was exceeded, in seconds. */
  readonly timeoutSeconds: number;

  constructor(timeoutSeconds: number, what = 'Operation', options?: BatonErrorOptions) {
    super(BatonErrorCode.TIMEOUT, `${what} timed out after ${timeoutSeconds}s`, options);
    this.name = 'TimeoutError';
    this.timeoutSeconds = timeoutSeconds;
  }
}

/** An operation was cancelled through its abort signal. */
export class AbortedError extends BatonError {
  constructor(message = 'Operation was aborted', options?: BatonErrorOptions) {
    super(BatonErrorCode.ABORTED, message, options);
    this.name = 'AbortedError';
  }
}

/** Text describing any thrown value, for failed results and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** Wraps any thrown value as a {@link BatonError}, leaving Baton errors as they are. */
export function toBatonError(error: unknown, code: string = BatonErrorCode.UNKNOWN): BatonError {
  if (BatonError.isInstance(error)) return error;
  return new BatonError(code, describeError(error), { cause: error });
}
