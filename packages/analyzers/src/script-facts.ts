import type { AstNode } from './ast.js';
import { walkAst } from './ast.js';
import { createPatternVisitor } from './code-patterns.js';
import { createFunctionVisitor, type FunctionMetrics } from './complexity.js';
import { type ModuleSummary, summariseModule } from './module-summary.js';
import type { SecurityFinding } from './security-finding.js';
import {
  LineIndex,
  type ParsedSource,
  type ParseFailure,
  parseSource,
  type SourceFile,
} from './source-file.js';

/** What one walk over a JS/TS file's AST measured, shared by the analyses (plain data). */
export interface ScriptFacts {
  /** Size and cyclomatic complexity of every function. */
  functions: FunctionMetrics[];
  /** Dangerous code patterns. */
  patternFindings: SecurityFinding[];
  /** Declarations, imports and exports, for the documentation check. */
  module: ModuleSummary;
}

/** Facts of an already parsed file: one walk with every pass. */
export function factsOfParsed(file: SourceFile, parsed: ParsedSource): ScriptFacts {
  const lines = new LineIndex(file.text);
  const patterns = createPatternVisitor(file, parsed, lines);
  const functions = createFunctionVisitor(file, lines);
  walkAst(parsed.program as unknown as AstNode, [patterns, functions]);
  return {
    functions: functions.result(),
    patternFindings: patterns.findings,
    module: summariseModule(file, parsed, lines),
  };
}

/** Parses a file and computes its facts, or returns why it could not be parsed. */
export function computeScriptFacts(
  file: SourceFile,
): { facts: ScriptFacts } | { failure: ParseFailure } {
  const result = parseSource(file.path, file.text);
  if ('failure' in result) return result;
  return { facts: factsOfParsed(file, result.parsed) };
}
