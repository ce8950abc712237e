import type { AstNode } from './ast.js';
import { LineIndex, type ParsedSource, type SourceFile } from './source-file.js';

/** A declaration as the documentation check sees it. */
export interface DeclaredSymbol {
  /** function, class, variable, interface, type, enum, namespace, value */
  kind: string;
  /** 1-based line of the declaration. */
  line: number;
  /** A `/** ... *\/` comment directly precedes it (or its export statement). */
  documented: boolean;
}

/** One export statement of a module, unresolved. */
export type ExportItem =
  /** `export function f`, `export default class`, `export default <expression>` */
  | { type: 'declared'; name: string; keyName: string; symbol: DeclaredSymbol }
  /** `export { local as exported }`, `export default local` */
  | { type: 'local'; exported: string; local: string; line: number; documented: boolean }
  /** `export { imported as exported } from 'source'` */
  | { type: 'from'; exported: string; imported: string; source: string; documented: boolean }
  /** `export * from 'source'` */
  | { type: 'all'; source: string }
  /** `export * as exported from 'source'` */
  | { type: 'namespace'; exported: string; source: string; line: number; documented: boolean };

/** What a module declares, imports and exports: plain data, computed in the shared AST pass. */
export interface ModuleSummary {
  /** Top-level declarations (overloads and value+type pairs merged). */
  locals: Array<[string, DeclaredSymbol]>;
  /** Import bindings: local name -> module and imported name (`default`, `*` or a name). */
  imports: Array<[string, { source: string; imported: string }]>;
  exports: ExportItem[];
}

/** Summarises the top-level declarations, imports and exports of a parsed module. */
export function summariseModule(
  file: SourceFile,
  parsed: ParsedSource,
  lines: LineIndex = new LineIndex(file.text),
): ModuleSummary {
  const docs = new DocComments(file.text, parsed);
  const locals = new Map<string, DeclaredSymbol>();
  const imports: Array<[string, { source: string; imported: string }]> = [];
  const exports: ExportItem[] = [];
  const declare = (
    node: AstNode,
    statementStart: number,
    kindOverride?: string,
  ): Array<[string, DeclaredSymbol]> => {
    const documented = docs.before(statementStart) || docs.before(node.start);
    const make = (name: string, kind: string, at: number): [string, DeclaredSymbol] => [
      name,
      { kind, line: lines.lineOf(at), documented },
    ];
    const id = node.id as AstNode | null | undefined;
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'TSDeclareFunction':
        return id ? [make(id.name as string, kindOverride ?? 'function', node.start)] : [];
      case 'ClassDeclaration':
        return id ? [make(id.name as string, kindOverride ?? 'class', node.start)] : [];
      case 'TSInterfaceDeclaration':
        return id ? [make(id.name as string, 'interface', node.start)] : [];
      case 'TSTypeAliasDeclaration':
        return id ? [make(id.name as string, 'type', node.start)] : [];
      case 'TSEnumDeclaration':
        return id ? [make(id.name as string, 'enum', node.start)] : [];
      case 'TSModuleDeclaration':
        return id && id.type === 'Identifier'
          ? [make(id.name as string, 'namespace', node.start)]
          : [];
      case 'VariableDeclaration':
        return (node.declarations as AstNode[]).flatMap((declarator) =>
          bindingNames(declarator.id as AstNode).map((name) =>
            make(name, 'variable', declarator.start),
          ),
        );
      default:
        return [];
    }
  };
  const addLocal = (name: string, symbol: DeclaredSymbol): void => {
    const previous = locals.get(name);
    if (previous === undefined) locals.set(name, symbol);
    else if (!previous.documented && symbol.documented)
      locals.set(name, { ...previous, documented: true });
  };
  const body = (parsed.program as unknown as { body: AstNode[] }).body;
  for (const statement of body) {
    const exported =
      statement.type === 'ExportNamedDeclaration' && statement.declaration
        ? (statement.declaration as AstNode)
        : undefined;
    const declared = declare(exported ?? statement, statement.start);
    for (const [name, symbol] of declared) {
      addLocal(name, symbol);
      if (exported !== undefined) exports.push({ type: 'declared', name, keyName: name, symbol });
    }
    switch (statement.type) {
      case 'ImportDeclaration': {
        const source = (statement.source as AstNode).value as string;
        for (const specifier of statement.specifiers as AstNode[]) {
          const local = (specifier.local as AstNode).name as string;
          const imported =
            specifier.type === 'ImportSpecifier'
              ? (moduleName(specifier.imported as AstNode) ?? local)
              : specifier.type === 'ImportDefaultSpecifier'
                ? 'default'
                : '*';
          imports.push([local, { source, imported }]);
        }
        break;
      }
      case 'ExportNamedDeclaration': {
        if (statement.declaration) break;
        const documented = docs.before(statement.start);
        const line = lines.lineOf(statement.start);
        const source = statement.source
          ? ((statement.source as AstNode).value as string)
          : undefined;
        for (const specifier of statement.specifiers as AstNode[]) {
          const local = moduleName(specifier.local as AstNode) ?? '';
          const exportedName = moduleName(specifier.exported as AstNode) ?? local;
          if (source !== undefined)
            exports.push({
              type: 'from',
              exported: exportedName,
              imported: local,
              source,
              documented,
            });
          else exports.push({ type: 'local', exported: exportedName, local, line, documented });
        }
        break;
      }
      case 'ExportDefaultDeclaration': {
        const declaration = statement.declaration as AstNode;
        const named = declare(
          declaration,
          statement.start,
          declaration.type === 'FunctionDeclaration' ? 'function' : undefined,
        )[0]?.[1];
        if (named !== undefined) {
          exports.push({ type: 'declared', name: 'default', keyName: 'default', symbol: named });
        } else if (declaration.type === 'Identifier') {
          exports.push({
            type: 'local',
            exported: 'default',
            local: declaration.name as string,
            line: lines.lineOf(statement.start),
            documented: docs.before(statement.start),
          });
        } else {
          const kind =
            declaration.type === 'FunctionDeclaration' ||
            declaration.type === 'ArrowFunctionExpression' ||
            declaration.type === 'FunctionExpression'
              ? 'function'
              : declaration.type === 'ClassDeclaration' || declaration.type === 'ClassExpression'
                ? 'class'
                : 'value';
          exports.push({
            type: 'declared',
            name: 'default',
            keyName: 'default',
            symbol: {
              kind,
              line: lines.lineOf(statement.start),
              documented: docs.before(statement.start),
            },
          });
        }
        break;
      }
      case 'ExportAllDeclaration': {
        const source = (statement.source as AstNode).value as string;
        const exportedAs = statement.exported
          ? moduleName(statement.exported as AstNode)
          : undefined;
        if (exportedAs !== undefined) {
          exports.push({
            type: 'namespace',
            exported: exportedAs,
            source,
            line: lines.lineOf(statement.start),
            documented: docs.before(statement.start),
          });
        } else {
          exports.push({ type: 'all', source });
        }
        break;
      }
    }
  }
  return { locals: [...locals], imports, exports };
}

function moduleName(node: AstNode | undefined): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (node.type === 'Identifier') return node.name as string;
  if (node.type === 'Literal') return String(node.value);
  return undefined;
}

function bindingNames(node: AstNode): string[] {
  switch (node.type) {
    case 'Identifier':
      return [node.name as string];
    case 'ObjectPattern':
      return (node.properties as AstNode[]).flatMap((property) =>
        bindingNames(
          (property.type === 'RestElement' ? property.argument : property.value) as AstNode,
        ),
      );
    case 'ArrayPattern':
      return (node.elements as Array<AstNode | null>).flatMap((element) =>
        element ? bindingNames(element) : [],
      );
    case 'AssignmentPattern':
      return bindingNames(node.left as AstNode);
    case 'RestElement':
      return bindingNames(node.argument as AstNode);
    default:
      return [];
  }
}

/** Finds the `/** ... *\/` comment that directly precedes a position. */
class DocComments {
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly isDoc: boolean[];

  constructor(
    private readonly text: string,
    parsed: ParsedSource,
  ) {
    const comments = [...parsed.comments].sort((a, b) => a.start - b.start);
    this.starts = comments.map((comment) => comment.start);
    this.ends = comments.map((comment) => comment.end);
    this.isDoc = comments.map(
      (comment) =>
        comment.type === 'Block' &&
        comment.value.startsWith('*') &&
        !comment.value.startsWith('**'),
    );
  }

  /**
   * True when a JSDoc/TSDoc block precedes `position` with only whitespace and other comments
   * between (as TypeScript attaches it: `/** doc *\/ // lint-ignore` still documents).
   */
  before(position: number): boolean {
    let low = 0;
    let high = this.ends.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.ends[middle]! <= position) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    let until = position;
    for (let index = found; index >= 0; index--) {
      if (this.text.slice(this.ends[index]!, until).trim() !== '') return false;
      if (this.isDoc[index]) return true;
      until = this.starts[index]!;
    }
    return false;
  }
}
