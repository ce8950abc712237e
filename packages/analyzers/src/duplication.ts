import type { SourceFile } from './source-file.js';

/** A block of code that also appears elsewhere. */
export interface DuplicateBlock {
  file: string;
  /** 1-based first and last line of the block. */
  startLine: number;
  endLine: number;
  /** Where the same lines appear first. */
  duplicateOf: { file: string; startLine: number; endLine: number };
}

/** Duplicated code across a set of files. */
export interface DuplicationReport {
  /** Significant lines (see {@link measureDuplication}) in all files. */
  significantLines: number;
  /** Significant lines that are part of a repeated window. */
  duplicatedLines: number;
  /** duplicatedLines / significantLines in percent, two decimals (0 when there are no lines). */
  percent: number;
  /** The largest duplicated blocks, longest first. */
  blocks: DuplicateBlock[];
}

/** Lines in a window; a window must also have {@link MIN_WINDOW_CHARACTERS} characters. */
export const DUPLICATION_WINDOW_LINES = 6;
/** Minimum non-space characters in a window, so runs of trivial lines do not count. */
export const MIN_WINDOW_CHARACTERS = 100;

const TRIVIAL =
  /^[\s{}()[\];,]*$|^(?:\/\/|\/\*|\*|#)|^(?:import\b|export\s+(?:\*|\{[^}]*\})\s+from\b|from\s+\S+\s+import\b)|^[}\s]*from\s+['"][^'"]*['"];?$|^(?:type\s+)?[\w$]+(?:\s+as\s+[\w$]+)?,?$|^export\s+(?:type\s+)?\{$/;

interface Line {
  /** 1-based line number in the file. */
  line: number;
  hash: number;
  length: number;
}

/** FNV-1a of a trimmed line, with runs of whitespace hashed as one space. */
function hashLine(text: string): number {
  let hash = 2166136261;
  let previousSpace = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const space = code === 32 || code === 9;
    if (space && previousSpace) continue;
    previousSpace = space;
    hash ^= space ? 32 : code;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}

/**
 * Significant lines of a file: trimmed, whitespace collapsed; blank lines, lines of only
 * brackets/punctuation, comment lines, import lines and the lines of import/export name lists
 * (`type Foo,`, `bar as baz,`, `} from './x.js';`) are left out.
 */
function significantLines(text: string): Line[] {
  const out: Line[] = [];
  let number = 0;
  for (let cursor = 0; cursor <= text.length; ) {
    const next = text.indexOf('\n', cursor);
    const end = next === -1 ? text.length : next;
    number += 1;
    const trimmed = text.slice(cursor, end).trim();
    cursor = end + 1;
    if (trimmed === '' || TRIVIAL.test(trimmed)) continue;
    out.push({ line: number, hash: hashLine(trimmed), length: trimmed.length });
  }
  return out;
}

/**
 * Measures duplicated code: every window of {@link DUPLICATION_WINDOW_LINES} consecutive
 * significant lines (with at least {@link MIN_WINDOW_CHARACTERS} characters) is hashed; a window
 * seen before, in the same file or another, marks its lines and those of its first occurrence as
 * duplicated. The figure is the share of significant lines that are duplicated.
 */
export function measureDuplication(
  files: readonly SourceFile[],
  maxBlocks = 20,
): DuplicationReport {
  const seen = new Map<number, { file: number; index: number }>();
  const perFile = files.map((file) => significantLines(file.text));
  const flags = perFile.map((lines) => new Uint8Array(lines.length));
  const blocks: Array<{
    file: number;
    start: number;
    end: number;
    other: number;
    otherStart: number;
    otherEnd: number;
  }> = [];
  for (let fileIndex = 0; fileIndex < perFile.length; fileIndex++) {
    const lines = perFile[fileIndex]!;
    let open: (typeof blocks)[number] | undefined;
    for (let index = 0; index + DUPLICATION_WINDOW_LINES <= lines.length; index++) {
      let hashA = 0x811c9dc5;
      let hashB = 0x1234567;
      let characters = 0;
      for (let offset = 0; offset < DUPLICATION_WINDOW_LINES; offset++) {
        const line = lines[index + offset]!;
        hashA = Math.imul(hashA ^ line.hash, 16777619) >>> 0;
        hashB = (Math.imul(hashB, 31) + line.hash) >>> 0;
        characters += line.length;
      }
      if (characters < MIN_WINDOW_CHARACTERS) {
        open = undefined;
        continue;
      }
      const key = hashA * 2097152 + (hashB & 0x1fffff);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, { file: fileIndex, index });
        open = undefined;
        continue;
      }
      // Overlapping windows of one repeated run in the same place are not duplicates of themselves.
      if (first.file === fileIndex && index - first.index < DUPLICATION_WINDOW_LINES) {
        open = undefined;
        continue;
      }
      flags[fileIndex]!.fill(1, index, index + DUPLICATION_WINDOW_LINES);
      flags[first.file]!.fill(1, first.index, first.index + DUPLICATION_WINDOW_LINES);
      if (
        open !== undefined &&
        open.end === index + DUPLICATION_WINDOW_LINES - 2 &&
        open.other === first.file &&
        open.otherEnd === first.index + DUPLICATION_WINDOW_LINES - 2
      ) {
        open.end += 1;
        open.otherEnd += 1;
      } else {
        open = {
          file: fileIndex,
          start: index,
          end: index + DUPLICATION_WINDOW_LINES - 1,
          other: first.file,
          otherStart: first.index,
          otherEnd: first.index + DUPLICATION_WINDOW_LINES - 1,
        };
        blocks.push(open);
      }
    }
  }
  let significant = 0;
  let duplicated = 0;
  for (let fileIndex = 0; fileIndex < perFile.length; fileIndex++) {
    significant += perFile[fileIndex]!.length;
    for (const flag of flags[fileIndex]!) duplicated += flag;
  }
  const lineOf = (file: number, index: number): number => perFile[file]![index]!.line;
  const top = blocks
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, maxBlocks)
    .map((block) => ({
      file: files[block.file]!.path,
      startLine: lineOf(block.file, block.start),
      endLine: lineOf(block.file, block.end),
      duplicateOf: {
        file: files[block.other]!.path,
        startLine: lineOf(block.other, block.otherStart),
        endLine: lineOf(block.other, block.otherEnd),
      },
    }));
  return {
    significantLines: significant,
    duplicatedLines: duplicated,
    percent: significant === 0 ? 0 : Math.round((duplicated / significant) * 10000) / 100,
    blocks: top,
  };
}
