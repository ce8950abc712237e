import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict flag parsing: an unknown flag or a missing value is a {@link UsageError}. A negative
 * number after a flag that takes a value (`--max-critical -1`) is that flag's value, so the
 * flag's own check can say what is wrong with it.
 */
export function parseFlags<const T extends Options>(argv: string[], options: T) {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index]!;
    const next = argv[index + 1];
    const name = word.startsWith('--') ? word.slice(2) : undefined;
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      /^-\d/.test(next)
    ) {
      args.push(`${word}=${next}`);
      index += 1;
    } else {
      args.push(word);
    }
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node's first sentence names the problem; the rest is advice about `--`.
    throw new UsageError(message.split('\n')[0]!.split(/\.\s/)[0]!);
  }
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A numeric flag: undefined when absent, a UsageError naming the flag when not a number in range. */
export function numberFlag(
  name: string,
  value: string | undefined,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  const { min, max, integer } = range;
  const bad =
    // Decimal only: `Number()` would also read "0x10" as 16, "0b1" as 1 and "" as 0.
    !DECIMAL.test(value.trim()) ||
    !Number.isFinite(number) ||
    (integer === true && !Number.isInteger(number)) ||
    (min !== undefined && number < min) ||
    (max !== undefined && number > max);
  if (bad) {
    const kind = integer === true ? 'an integer' : 'a number';
    const bounds =
      min !== undefined && max !== undefined
        ? `${kind} from ${min} to ${max}`
        : min !== undefined
          ? `${kind} >= ${min}`
          : max !== undefined
            ? `${kind} <= ${max}`
            : kind;
    throw new UsageError(`--${name} must be ${bounds}, got "${value}"`);
  }
  return number;
}

/** A comma-separated list flag. */
export function listFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
