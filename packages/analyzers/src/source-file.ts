import type { Comment, EcmaScriptModule, Program } from 'oxc-parser';
import { parseSync, rawTransferSupported } from 'oxc-parser';
import { z } from 'zod';
import type { SourceLanguage } from './paths.js';

/** A file of the project, read once and shared by every analysis. */
export interface SourceFile {
  /** Project-relative path with forward slashes. */
  readonly path: string;
  /** Language from the extension (undefined for other text files). */
  readonly language: SourceLanguage | undefined;
  /** The file's text. */
  readonly text: string;
  /** True for test code and test fixtures (see `isTestPath`). */
  readonly isTest: boolean;
}

/** A parsed JS/TS file. Positions are UTF-16 offsets into the text. */
export interface ParsedSource {
  readonly program: Program;
  readonly comments: readonly Comment[];
  readonly module: EcmaScriptModule;
}

/** A file that could not be parsed; it is reported and skipped, never fatal. */
export const parseFailureSchema = z.object({
  path: z.string(),
  /** The parser's first error. */
  message: z.string(),
  line: z.number().int(),
});
/** A file that could not be parsed; it is reported and skipped, never fatal. */
export type ParseFailure = z.infer<typeof parseFailureSchema>;

const useRawTransfer = ((): boolean => {
  try {
    return rawTransferSupported();
  } catch {
    return false;
  }
})();

/**
 * Parses JS/TS/JSX/TSX with oxc-parser. Returns the failure instead of throwing when the file has
 * syntax errors.
 */
export function parseSource(
  file: string,
  text: string,
): { parsed: ParsedSource } | { failure: ParseFailure } {
  try {
    const result = parseSync(file, text, {
      preserveParens: false,
      ...(useRawTransfer ? { experimentalRawTransfer: true } : {}),
    } as Parameters<typeof parseSync>[2]);
    const error = result.errors.find((item) => item.severity === 'Error');
    if (error !== undefined) {
      const offset = error.labels[0]?.start ?? 0;
      return { failure: { path: file, message: error.message, line: lineAt(text, offset) } };
    }
    return {
      parsed: { program: result.program, comments: result.comments, module: result.module },
    };
  } catch (error) {
    return { failure: { path: file, message: (error as Error).message, line: 1 } };
  }
}

/** 1-based line of a UTF-16 offset (linear scan; use {@link LineIndex} for many look-ups). */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (
    let index = text.indexOf('\n');
    index !== -1 && index < end;
    index = text.indexOf('\n', index + 1)
  ) {
    line += 1;
  }
  return line;
}

/** Offsets of line starts, for fast offset -> line look-ups. */
export class LineIndex {
  private readonly starts: number[];

  constructor(text: string) {
    const starts = [0];
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
      starts.push(index + 1);
    }
    this.starts = starts;
  }

  /** Number of lines. */
  get count(): number {
    return this.starts.length;
  }

  /** 1-based line of a UTF-16 offset. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(text: string, line: number): string {
    const start = this.starts[line - 1] ?? text.length;
    const next = this.starts[line];
    return text.slice(start, next === undefined ? text.length : next - 1).replace(/\r$/, '');
  }

  /** 1-based column of a UTF-16 offset. */
  columnOf(offset: number): number {
    return offset - this.starts[this.lineOf(offset) - 1]! + 1;
  }
}
