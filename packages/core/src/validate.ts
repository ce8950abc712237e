import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from './errors.js';

/** Options for {@link parseWith}. */
export interface ParseOptions {
  /** Prefix for field paths, e.g. `template` gives `template.role`. */
  label?: string;
}

/**
 * Parses input with a zod schema and throws a {@link ValidationError} whose message names every
 * offending field, instead of zod's own error.
 *
 * @example
 * ```ts
 * const usage = parseWith(usageSchema, JSON.parse(text), { label: 'usage' });
 * ```
 */
export function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  options: ParseOptions = {},
): z.output<Schema> {
  // reportInput lets zodIssues tell a missing field ("is required") from one of the wrong type.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(zodIssues(result.error, options.label));
}

/**
 * Converts a zod error into {@link ValidationIssue}s with dotted field paths. When the error was
 * produced with `{ reportInput: true }` (as {@link parseWith} does), a field that is missing
 * altogether reads `is required` (with the allowed values for an enum) instead of zod's
 * `Invalid input: expected string, received undefined`.
 */
export function zodIssues(error: z.ZodError, label?: string): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = [label, path].filter((part) => part !== undefined && part !== '').join('.');
    return { field: field === '' ? '(input)' : field, message: issueMessage(issue) };
  });
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const missing = 'input' in issue && issue.input === undefined;
  if (!missing) return issue.message;
  if (issue.code === 'invalid_type') return 'is required';
  if (issue.code === 'invalid_value') {
    return `is required (one of ${issue.values.map((value) => String(value)).join(', ')})`;
  }
  return issue.message;
}
