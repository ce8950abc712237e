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

const DECLARATION_KINDS: Record<string, string> = {
  FunctionDeclaration: 'function',
  TSDeclareFunction: 'function',
  ClassDeclaration: 'class',
  TSInterfaceDeclaration: 'interface',
  TSTypeAliasDeclaration: 'type',
  TSEnumDeclaration: 'enum',
  TSModuleDeclaration: 'namespace',
};

/** Reads one module's top-level statements into a {@link ModuleSummary}. */
class ModuleReader {
  readonly locals = new Map<string, DeclaredSymbol>();
  readonly imports: Array<[string, { source: string; imported: string }]> = [];
  readonly exports: ExportItem[] = [];
  private readonly docs: DocComments;

  constructor(
    file: SourceFile,
    parsed: ParsedSource,
    private readonly lines: LineIndex,
  ) {
    this.docs = new DocComments(file.text, parsed);
  }

  /** The names a declaration introduces, with kind, line and documentation state. */
  declare(node: AstNode, statementStart: number): Array<[string, DeclaredSymbol]> {
    const documented = this.docs.before(statementStart) || this.docs.before(node.start);
    const make = (name: string, kind: string, at: number): [string, DeclaredSymbol] => [
      name,
      { kind, line: this.lines.lineOf(at), documented },
    ];
    if (node.type === 'VariableDeclaration') {
      return (node.declarations as AstNode[]).flatMap((declarator) =>
        bindingNames(declarator.id as AstNode).map((name) =>
          make(name, 'variable', declarator.start),
        ),
      );
    }
    const kind = DECLARATION_KINDS[node.type];
    const id = node.id as AstNode | null | undefined;
    if (kind === undefined || id === null || id === undefined || id.type !== 'Identifier')
      return [];
    return [make(id.name as string, kind, node.start)];
  }

  /** A statement-level symbol (default expression, namespace re-export) at the statement. */
  private atStatement(statement: AstNode, kind: string): DeclaredSymbol {
    return {
      kind,
      line: this.lines.lineOf(statement.start),
      documented: this.docs.before(statement.start),
    };
  }

  read(statement: AstNode): void {
    const exported =
      statement.type === 'ExportNamedDeclaration' && statement.declaration
        ? (statement.declaration as AstNode)
        : undefined;
    for (const [name, symbol] of this.declare(exported ?? statement, statement.start)) {
      this.addLocal(name, symbol);
      if (exported !== undefined) {
        this.exports.push({ type: 'declared', name, keyName: name, symbol });
      }
    }
    if (statement.type === 'ImportDeclaration') this.readImport(statement);
    else if (statement.type === 'ExportNamedDeclaration' && !statement.declaration) {
      this.readExportList(statement);
    } else if (statement.type === 'ExportDefaultDeclaration') this.readExportDefault(statement);
    else if (statement.type === 'ExportAllDeclaration') this.readExportAll(statement);
  }

  private addLocal(name: string, symbol: DeclaredSymbol): void {
    const previous = this.locals.get(name);
    // Overloads and value+type pairs merge: documented when any declaration is.
    if (previous === undefined) this.locals.set(name, symbol);
    else if (!previous.documented && symbol.documented) {
      this.locals.set(name, { ...previous, documented: true });
    }
  }

  private readImport(statement: AstNode): void {
    const source = (statement.source as AstNode).value as string;
    for (const specifier of statement.specifiers as AstNode[]) {
      const local = (specifier.local as AstNode).name as string;
      let imported = '*';
      if (specifier.type === 'ImportSpecifier') {
        imported = moduleName(specifier.imported as AstNode) ?? local;
      } else if (specifier.type === 'ImportDefaultSpecifier') imported = 'default';
      this.imports.push([local, { source, imported }]);
    }
  }

  /** `export { a, b as c }` and `export { a } from 'x'`. */
  private readExportList(statement: AstNode): void {
    const documented = this.docs.before(statement.start);
    const line = this.lines.lineOf(statement.start);
    const source = statement.source ? ((statement.source as AstNode).value as string) : undefined;
    for (const specifier of statement.specifiers as AstNode[]) {
      const local = moduleName(specifier.local as AstNode) ?? '';
      const exported = moduleName(specifier.exported as AstNode) ?? local;
      this.exports.push(
        source === undefined
          ? { type: 'local', exported, local, line, documented }
          : { type: 'from', exported, imported: local, source, documented },
      );
    }
  }

  private readExportDefault(statement: AstNode): void {
    const declaration = statement.declaration as AstNode;
    const named = this.declare(declaration, statement.start)[0]?.[1];
    if (named !== undefined) {
      this.exports.push({ type: 'declared', name: 'default', keyName: 'default', symbol: named });
      return;
    }
    if (declaration.type === 'Identifier') {
      const { line, documented } = this.atStatement(statement, 'value');
      this.exports.push({
        type: 'local',
        exported: 'default',
        local: declaration.name as string,
        line,
        documented,
      });
      return;
    }
    let kind = 'value';
    if (/Function/.test(declaration.type)) kind = 'function';
    else if (/^Class/.test(declaration.type)) kind = 'class';
    this.exports.push({
      type: 'declared',
      name: 'default',
      keyName: 'default',
      symbol: this.atStatement(statement, kind),
    });
  }

  /** `export * from 'x'` and `export * as ns from 'x'`. */
  private readExportAll(statement: AstNode): void {
    const source = (statement.source as AstNode).value as string;
    const exported = statement.exported ? moduleName(statement.exported as AstNode) : undefined;
    if (exported === undefined) {
      this.exports.push({ type: 'all', source });
      return;
    }
    const { line, documented } = this.atStatement(statement, 'namespace');
    this.exports.push({ type: 'namespace', exported, source, line, documented });
  }
}

/** Summarises the top-level declarations, imports and exports of a parsed module. */
export function summariseModule(
  file: SourceFile,
  parsed: ParsedSource,
  lines: LineIndex = new LineIndex(file.text),
): ModuleSummary {
  const reader = new ModuleReader(file, parsed, lines);
  for (const statement of (parsed.program as unknown as { body: AstNode[] }).body) {
    reader.read(statement);
  }
  return { locals: [...reader.locals], imports: reader.imports, exports: reader.exports };
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
