import { type AstNode, type AstVisitor, nameOf, walkAst } from './ast.js';
import { LineIndex, type ParsedSource, type SourceFile } from './source-file.js';

/** Size and cyclomatic complexity of one function. */
export interface FunctionMetrics {
  /** Best-effort name: declaration, variable, property, method or `<anonymous>`. */
  name: string;
  file: string;
  /** 1-based first line. */
  line: number;
  /** Lines from the first to the last line of the function. */
  lines: number;
  /** McCabe cyclomatic complexity: 1 + decision points (see {@link DECISION_POINTS}). */
  complexity: number;
}

/**
 * What adds 1 to a function's cyclomatic complexity (as ESLint's `complexity` rule counts):
 * `if`, `? :`, `for`, `for in`, `for of`, `while`, `do while`, `catch`, each `case` with a test,
 * `&&`, `||`, `??` and the assignments `&&=`, `||=`, `??=`. Nested functions count on their own.
 */
export const DECISION_POINTS: readonly string[] = [
  'IfStatement',
  'ConditionalExpression',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'WhileStatement',
  'DoWhileStatement',
  'CatchClause',
  'SwitchCase (with a test)',
  'LogicalExpression (&&, ||, ??)',
  'AssignmentExpression (&&=, ||=, ??=)',
];

const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
]);
const SIMPLE_DECISIONS = new Set([
  'IfStatement',
  'ConditionalExpression',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'WhileStatement',
  'DoWhileStatement',
  'CatchClause',
]);

function functionName(node: AstNode, parent: AstNode | undefined): string {
  const id = nameOf(node.id);
  if (id !== undefined) return id;
  if (parent === undefined) return '<anonymous>';
  switch (parent.type) {
    case 'VariableDeclarator':
      return nameOf(parent.id) ?? '<anonymous>';
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
    case 'AccessorProperty':
      return nameOf(parent.key) ?? '<computed>';
    case 'AssignmentExpression': {
      const left = parent.left as AstNode;
      return left.type === 'MemberExpression'
        ? (nameOf(left.property) ?? '<anonymous>')
        : (nameOf(left) ?? '<anonymous>');
    }
    case 'CallExpression':
    case 'NewExpression':
      return '<callback>';
    case 'ExportDefaultDeclaration':
      return 'default';
    default:
      return '<anonymous>';
  }
}

/** Every function of a parsed JS/TS file with its size and cyclomatic complexity. */
export function scriptFunctionMetrics(file: SourceFile, parsed: ParsedSource): FunctionMetrics[] {
  const visitor = createFunctionVisitor(file, new LineIndex(file.text));
  walkAst(parsed.program as unknown as AstNode, [visitor]);
  return visitor.result();
}

/** The pass of {@link scriptFunctionMetrics}, to share a walk with other passes. */
export function createFunctionVisitor(
  file: SourceFile,
  lines: LineIndex,
): AstVisitor & { result(): FunctionMetrics[] } {
  const out: FunctionMetrics[] = [];
  const stack: Array<{ metrics: FunctionMetrics; node: AstNode }> = [];
  return {
    enter(node, parent) {
      if (FUNCTION_TYPES.has(node.type)) {
        const first = lines.lineOf(node.start);
        const last = lines.lineOf(Math.max(node.start, node.end - 1));
        stack.push({
          metrics: {
            name: functionName(node, parent),
            file: file.path,
            line: first,
            lines: last - first + 1,
            complexity: 1,
          },
          node,
        });
        return;
      }
      const current = stack.at(-1);
      if (current === undefined) return;
      if (
        SIMPLE_DECISIONS.has(node.type) ||
        (node.type === 'SwitchCase' && node.test !== null) ||
        node.type === 'LogicalExpression' ||
        (node.type === 'AssignmentExpression' &&
          (node.operator === '&&=' || node.operator === '||=' || node.operator === '??='))
      ) {
        current.metrics.complexity += 1;
      }
    },
    leave(node) {
      const current = stack.at(-1);
      if (current !== undefined && current.node === node) {
        stack.pop();
        out.push(current.metrics);
      }
    },
    result: () => out.sort((a, b) => a.line - b.line),
  };
}

const PYTHON_DEF = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)/;
const PYTHON_DECISION = /\b(?:if|elif|for|while|except|and|or)\b/g;

/**
 * Python functions with size and an approximate cyclomatic complexity from a line scan: a `def`
 * and the lines indented deeper than it; 1 + each `if`, `elif`, `for`, `while`, `except`, `and`,
 * `or` and `case` outside strings and comments (nested functions also count in their parent).
 */
export function pythonFunctionMetrics(file: SourceFile): FunctionMetrics[] {
  const lines = file.text.split(/\r?\n/);
  const out: FunctionMetrics[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = PYTHON_DEF.exec(lines[index]!);
    if (match === null) continue;
    const indent = match[1]!.length;
    let last = index;
    let complexity = 1;
    for (let cursor = index + 1; cursor < lines.length; cursor++) {
      const line = lines[cursor]!;
      if (line.trim() === '') continue;
      const lineIndent = line.length - line.trimStart().length;
      if (lineIndent <= indent && !/^\s*[)\]}]/.test(line)) break;
      last = cursor;
      const code = line.replace(/#.*$/, '').replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""');
      complexity += (code.match(PYTHON_DECISION) ?? []).length;
      if (/^\s*case\s/.test(code)) complexity += 1;
    }
    out.push({
      name: match[2]!,
      file: file.path,
      line: index + 1,
      lines: last - index + 1,
      complexity,
    });
  }
  return out;
}
