import { type AstNode, type AstVisitor, isConstantString, nameOf, walkAst } from './ast.js';
import { redactEvidence } from './secrets.js';
import type { SecurityFinding, Severity } from './security-finding.js';
import { testSeverity } from './security-finding.js';
import { LineIndex, type ParsedSource, type SourceFile } from './source-file.js';

/** Rule ids and descriptions of the dangerous-code checks. */
export const CODE_PATTERN_RULES = {
  'js/dynamic-eval': 'eval() of a value built at run time',
  'js/function-constructor': 'Function constructor with code built at run time',
  'js/vm-run-code': 'node:vm runs code built at run time',
  'js/shell-command-from-string': 'shell command built from strings (child_process exec)',
  'js/spawn-shell': 'process spawned through a shell with a command built at run time',
  'js/tls-verification-disabled': 'TLS certificate verification disabled',
  'js/unsafe-deserialization': 'deserialisation that can execute code',
  'py/subprocess-shell-true': 'subprocess call with shell=True',
  'py/os-system': 'os.system/os.popen with a command built at run time',
  'py/dynamic-eval': 'eval()/exec() of a value built at run time',
  'py/unsafe-deserialization': 'pickle/marshal/shelve/yaml.load deserialisation',
  'py/tls-verification-disabled': 'TLS certificate verification disabled',
} as const;
/** A dangerous-code rule id. */
export type CodePatternRule = keyof typeof CODE_PATTERN_RULES;

const SEVERITY: Record<CodePatternRule, Severity> = {
  'js/dynamic-eval': 'high',
  'js/function-constructor': 'high',
  'js/vm-run-code': 'medium',
  'js/shell-command-from-string': 'high',
  'js/spawn-shell': 'medium',
  'js/tls-verification-disabled': 'high',
  'js/unsafe-deserialization': 'high',
  'py/subprocess-shell-true': 'high',
  'py/os-system': 'medium',
  'py/dynamic-eval': 'high',
  'py/unsafe-deserialization': 'high',
  'py/tls-verification-disabled': 'high',
};

function finding(
  file: SourceFile,
  rule: CodePatternRule,
  line: number,
  evidence: string,
): SecurityFinding {
  return {
    ruleId: rule,
    category: 'code',
    severity: file.isTest ? testSeverity(SEVERITY[rule]) : SEVERITY[rule],
    file: file.path,
    line,
    message: `${CODE_PATTERN_RULES[rule]}${file.isTest ? ' (in test code or fixtures)' : ''}`,
    evidence: redactEvidence(evidence),
    testFixture: file.isTest,
  };
}

/** True when the file imports or requires the node module (`child_process`, `vm`). */
function usesNodeModule(parsed: ParsedSource, text: string, name: string): boolean {
  const specifiers = new Set([name, `node:${name}`]);
  if (parsed.module.staticImports.some((item) => specifiers.has(item.moduleRequest.value))) {
    return true;
  }
  return new RegExp(`require\\(\\s*['"](node:)?${name}['"]\\s*\\)`).test(text);
}

/** True when the file declares or imports its own top-level `Function` (an AST class, say). */
function shadowsFunction(parsed: ParsedSource): boolean {
  if (
    parsed.module.staticImports.some((item) =>
      item.entries.some((entry) => entry.localName.value === 'Function'),
    )
  ) {
    return true;
  }
  const body = (parsed.program as unknown as { body: AstNode[] }).body;
  return body.some((statement) => {
    const declaration = (
      statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement
    ) as AstNode | null;
    if (declaration === null || declaration === undefined) return false;
    if (declaration.type === 'ClassDeclaration' || declaration.type === 'FunctionDeclaration') {
      return nameOf(declaration.id) === 'Function';
    }
    if (declaration.type === 'VariableDeclaration') {
      return (declaration.declarations as AstNode[]).some((item) => nameOf(item.id) === 'Function');
    }
    return false;
  });
}

/** The called function's name: `eval`, `exec` for `cp.exec`, ... */
function calleeName(callee: AstNode): { name: string | undefined; object: string | undefined } {
  if (callee.type === 'Identifier') return { name: callee.name as string, object: undefined };
  if (callee.type === 'MemberExpression' && callee.computed !== true) {
    const object = callee.object as AstNode;
    return {
      name: nameOf(callee.property),
      object: object.type === 'Identifier' ? (object.name as string) : object.type,
    };
  }
  return { name: undefined, object: undefined };
}

function isFalse(node: unknown): boolean {
  const value = node as AstNode | undefined;
  return value?.type === 'Literal' && (value.value === false || value.value === 0);
}

/**
 * Dangerous code patterns in a parsed JS/TS file: dynamic eval and Function constructors,
 * child_process exec with a command built from strings, shell spawns, TLS verification turned
 * off, and unsafe deserialisation. Code whose input is a literal is not reported.
 */
export function scanScriptPatterns(file: SourceFile, parsed: ParsedSource): SecurityFinding[] {
  const visitor = createPatternVisitor(file, parsed, new LineIndex(file.text));
  walkAst(parsed.program as unknown as AstNode, [visitor]);
  return visitor.findings;
}

/** The dangerous-pattern pass of {@link scanScriptPatterns}, to share a walk with other passes. */
export function createPatternVisitor(
  file: SourceFile,
  parsed: ParsedSource,
  lines: LineIndex,
): AstVisitor & { findings: SecurityFinding[] } {
  const findings: SecurityFinding[] = [];
  const report = (rule: CodePatternRule, node: AstNode): void => {
    const line = lines.lineOf(node.start);
    findings.push(finding(file, rule, line, lines.lineText(file.text, line)));
  };
  const facts = new FileFacts(parsed, file.text);
  const enter = (node: AstNode): void => {
    let rule: CodePatternRule | undefined;
    if (node.type === 'CallExpression' || node.type === 'NewExpression') {
      rule = callRule(node, facts);
    } else if (node.type === 'Property') {
      const key = nameOf(node.key);
      if ((key === 'rejectUnauthorized' || key === 'strictSSL') && isFalse(node.value)) {
        rule = 'js/tls-verification-disabled';
      }
    } else if (node.type === 'AssignmentExpression') {
      const left = node.left as AstNode;
      const right = node.right as AstNode;
      if (
        left.type === 'MemberExpression' &&
        nameOf(left.property) === 'NODE_TLS_REJECT_UNAUTHORIZED' &&
        right.type === 'Literal' &&
        String(right.value) === '0'
      ) {
        rule = 'js/tls-verification-disabled';
      }
    }
    if (rule !== undefined) report(rule, node);
  };
  return { enter, findings };
}

const VM_RUNNERS = new Set(['runInThisContext', 'runInNewContext', 'runInContext']);
const SPAWNERS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync']);

/** What the call checks need to know about the file, computed on first use. */
class FileFacts {
  private childProcess: boolean | undefined;
  private vm: boolean | undefined;
  private ownFunction: boolean | undefined;

  constructor(
    private readonly parsed: ParsedSource,
    private readonly text: string,
  ) {}

  importsChildProcess(): boolean {
    this.childProcess ??= usesNodeModule(this.parsed, this.text, 'child_process');
    return this.childProcess;
  }

  importsVm(): boolean {
    this.vm ??= usesNodeModule(this.parsed, this.text, 'vm');
    return this.vm;
  }

  shadowsFunction(): boolean {
    this.ownFunction ??= shadowsFunction(this.parsed);
    return this.ownFunction;
  }
}

/** The rule a call or `new` expression breaks, if any. */
function callRule(node: AstNode, facts: FileFacts): CodePatternRule | undefined {
  const { name, object } = calleeName(node.callee as AstNode);
  const args = node.arguments as AstNode[];
  const first = args[0];
  const dynamicFirst = first !== undefined && !isConstantString(first);
  if (name === 'eval' && (object === undefined || object === 'window' || object === 'globalThis')) {
    return dynamicFirst ? 'js/dynamic-eval' : undefined;
  }
  if (name === 'Function' && object === undefined) {
    const dynamic = args.some((arg) => !isConstantString(arg));
    return dynamic && !facts.shadowsFunction() ? 'js/function-constructor' : undefined;
  }
  if (VM_RUNNERS.has(name ?? '') || (name === 'Script' && node.type === 'NewExpression')) {
    return dynamicFirst && facts.importsVm() ? 'js/vm-run-code' : undefined;
  }
  if (name === 'exec' || name === 'execSync') {
    const built = first !== undefined && isBuiltString(first);
    return built && facts.importsChildProcess() ? 'js/shell-command-from-string' : undefined;
  }
  if (SPAWNERS.has(name ?? '')) {
    const options = args.find((arg) => arg.type === 'ObjectExpression');
    const shell = (options?.properties as AstNode[] | undefined)?.some(
      (property) =>
        property.type === 'Property' &&
        nameOf(property.key) === 'shell' &&
        !isFalse(property.value),
    );
    return shell === true && dynamicFirst ? 'js/spawn-shell' : undefined;
  }
  if (name === 'unserialize' || (name === 'deserialize' && object === 'serialize')) {
    return 'js/unsafe-deserialization';
  }
  return undefined;
}

/** A string assembled at run time: a template with expressions, `+` with non-literals, `.join()`. */
function isBuiltString(node: AstNode): boolean {
  if (node.type === 'TemplateLiteral') return (node.expressions as unknown[]).length > 0;
  if (node.type === 'BinaryExpression' && node.operator === '+') return !isConstantString(node);
  if (node.type === 'CallExpression') {
    const { name } = calleeName(node.callee as AstNode);
    return name === 'join' || name === 'concat' || name === 'format';
  }
  return false;
}

const PYTHON_RULES: ReadonlyArray<{ rule: CodePatternRule; pattern: RegExp }> = [
  { rule: 'py/subprocess-shell-true', pattern: /\bshell\s*=\s*True\b/ },
  {
    rule: 'py/os-system',
    pattern: /\bos\.(?:system|popen)\(\s*(?!['"][^'"]*['"]\s*\))/,
  },
  {
    rule: 'py/dynamic-eval',
    pattern: /(?<![.\w])(?:eval|exec)\(\s*(?!['"][^'"{}]*['"]\s*\))(?=\S)/,
  },
  {
    rule: 'py/unsafe-deserialization',
    pattern:
      /\b(?:c?[pP]ickle|dill|marshal|jsonpickle)\.(?:loads?|Unpickler|decode)\(|\bshelve\.open\(|\byaml\.unsafe_load\(|\byaml\.load\((?![^)]*Loader\s*=\s*(?:yaml\.)?C?SafeLoader)/,
  },
  {
    rule: 'py/tls-verification-disabled',
    pattern:
      /\bverify\s*=\s*False\b|\bssl\._create_unverified_context\(|\bcert_reqs\s*=\s*(?:ssl\.)?CERT_NONE\b/,
  },
];

/**
 * Dangerous code patterns in a Python file, line by line (comments skipped): `shell=True`,
 * os.system/os.popen and eval/exec with a non-literal argument, pickle/marshal/shelve/unsafe
 * yaml.load, and `verify=False` / unverified SSL contexts.
 */
export function scanPythonPatterns(file: SourceFile): SecurityFinding[] {
  const findings: SecurityFinding[] = [];
  for (const { line, raw, code } of pythonCodeLines(file.text)) {
    for (const { rule, pattern } of PYTHON_RULES) {
      if (pattern.test(code)) findings.push(finding(file, rule, line, raw));
    }
  }
  return findings;
}

/**
 * The lines of Python source that hold code: each with its 1-based number, the raw line and the
 * code without a trailing comment. Blank and comment-only lines are skipped.
 */
export function* pythonCodeLines(
  text: string,
): Generator<{ line: number; raw: string; code: string }> {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const code = stripPythonComment(raw);
    if (code.trim() !== '') yield { line: index + 1, raw, code };
  }
}

/** The line without a trailing `# comment` (a `#` inside quotes is kept). */
export function stripPythonComment(line: string): string {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!;
    if (quote !== undefined) {
      if (character === '\\') index += 1;
      else if (character === quote) quote = undefined;
    } else if (character === '"' || character === "'") {
      quote = character;
    } else if (character === '#') {
      return line.slice(0, index);
    }
  }
  return line;
}
