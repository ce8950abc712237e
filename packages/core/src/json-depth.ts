/**
 * How deep a JSON text from outside (a request body, a `--context` flag) may nest arrays and
 * objects. Deeper input could overflow the stack of a parser, a validator or a later
 * `JSON.stringify`, and a run record holding it could not be read back.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a JSON text nests arrays and objects deeper than `maxDepth`, counted without parsing
 * (so that a deeply nested text cannot overflow the stack while it is checked).
 */
export function jsonDepthExceeds(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
  return false;
}
