import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';
import type { AstNode } from './ast.js';
import { coveragePercent } from './coverage.js';
import { packageEntryTargets, resolveEntrySource, resolveRelativeImport } from './entry-points.js';
import { createProjectIndex, type ProjectIndex } from './project-index.js';
import { pythonPublicDefinitions } from './python-docs.js';
import { LineIndex, type ParsedSource, type SourceFile } from './source-file.js';
import { listWorkspacePackages } from './workspace.js';

/** One public symbol. */
export const publicSymbolSchema = z.object({
  /** The name it is exported under (`default` for a default export). */
  name: z.string(),
  /** Declaration kind: function, class, variable, interface, type, enum, namespace, ... */
  kind: z.string(),
  /** Project-relative file of the declaration. */
  file: z.string(),
  /** 1-based line of the declaration. */
  line: z.number().int(),
  /** It carries a `/** ... *\/` comment (Python: a docstring). */
  documented: z.boolean(),
  /** The package (name) or Python package directory it belongs to. */
  packageName: z.string(),
});
/** One public symbol. */
export type PublicSymbol = z.infer<typeof publicSymbolSchema>;

/** What was measured for one package. */
export const packageDocumentationSchema = z.object({
  name: z.string(),
  directory: z.string(),
  language: z.enum(['javascript', 'python']),
  /** Entry points and the source file each was resolved to. */
  entryPoints: z.array(z.object({ subpath: z.string(), target: z.string(), source: z.string() })),
  /** Entry points that could not be mapped to a source file. */
  unresolvedEntryPoints: z.array(z.object({ subpath: z.string(), target: z.string() })),
  total: z.number().int(),
  documented: z.number().int(),
});

const commonFields = {
  packages: z.array(packageDocumentationSchema),
  /** Re-exports from other packages (not this project's API to document), e.g. `export * from 'zod'`. */
  externalReExports: z.array(z.object({ file: z.string(), specifier: z.string() })),
  /** Entry or re-exported files that failed to parse. */
  parseFailures: z.array(z.object({ path: z.string(), message: z.string(), line: z.number() })),
  warnings: z.array(z.string()),
};

/** The result of {@link analyzeDocumentation}. */
export const documentationResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    /** Documented public symbols in percent (floored to two decimals). */
    percent: z.number(),
    total: z.number().int(),
    documented: z.number().int(),
    /** Every public symbol, by file and line. */
    symbols: z.array(publicSymbolSchema),
    /** The undocumented ones, by file and line. */
    undocumented: z.array(publicSymbolSchema),
    ...commonFields,
    summary: z.string(),
  }),
  z.object({
    status: z.literal('unknown'),
    reason: z.string(),
    ...commonFields,
    summary: z.string(),
  }),
]);
/** The result of {@link analyzeDocumentation}. */
export type DocumentationResult = z.infer<typeof documentationResultSchema>;

/** Options for {@link analyzeDocumentation}. */
export interface AnalyzeDocumentationOptions {
  root: string;
  /** A project index to share with other analyses. */
  index?: ProjectIndex;
  signal?: AbortSignal;
  logger?: Logger;
}

interface Declared {
  kind: string;
  file: string;
  line: number;
  documented: boolean;
  /** Identity of the declaration: `file#localName`. */
  key: string;
}

interface ModuleExports {
  named: Map<string, Declared>;
}

/** Documentation state of one parsed module. */
class ModuleGraph {
  private readonly cache = new Map<string, ModuleExports>();
  private readonly visiting = new Set<string>();
  readonly external: Array<{ file: string; specifier: string }> = [];
  readonly files: ReadonlySet<string>;

  constructor(private readonly index: ProjectIndex) {
    this.files = new Set(index.files.map((file) => file.path));
  }

  exportsOf(path: string): ModuleExports {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    const empty: ModuleExports = { named: new Map() };
    if (this.visiting.has(path)) return empty; // cycle: the outer visit fills it in
    const file = this.index.get(path);
    const parsed = file === undefined ? undefined : this.index.parse(file);
    if (file === undefined || parsed === undefined) return empty;
    this.visiting.add(path);
    const result = this.collect(file, parsed);
    this.visiting.delete(path);
    this.cache.set(path, result);
    return result;
  }

  private collect(file: SourceFile, parsed: ParsedSource): ModuleExports {
    const lines = new LineIndex(file.text);
    const docs = new DocComments(file.text, parsed);
    const named = new Map<string, Declared>();
    const locals = new Map<string, Declared>();
    const imports = new Map<string, { source: string; imported: string }>();
    const add = (map: Map<string, Declared>, name: string, declared: Declared): void => {
      const previous = map.get(name);
      // Overloads and value+type pairs merge: documented when any declaration is.
      if (previous === undefined) map.set(name, declared);
      else if (!previous.documented && declared.documented)
        map.set(name, { ...previous, documented: true });
    };
    const declare = (
      node: AstNode,
      statementStart: number,
      kindOverride?: string,
    ): Array<[string, Declared]> => {
      const documented = docs.before(statementStart) || docs.before(node.start);
      const make = (name: string, kind: string, at: number): [string, Declared] => [
        name,
        { kind, file: file.path, line: lines.lineOf(at), documented, key: `${file.path}#${name}` },
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
    const body = (parsed.program as unknown as { body: AstNode[] }).body;
    // Pass 1: local declarations and imports.
    for (const statement of body) {
      const declaration =
        statement.type === 'ExportNamedDeclaration' && statement.declaration
          ? (statement.declaration as AstNode)
          : statement;
      for (const [name, declared] of declare(declaration, statement.start))
        add(locals, name, declared);
      if (statement.type === 'ImportDeclaration') {
        const source = (statement.source as AstNode).value as string;
        for (const specifier of statement.specifiers as AstNode[]) {
          const local = (specifier.local as AstNode).name as string;
          const imported =
            specifier.type === 'ImportSpecifier'
              ? (moduleName(specifier.imported as AstNode) ?? local)
              : specifier.type === 'ImportDefaultSpecifier'
                ? 'default'
                : '*';
          imports.set(local, { source, imported });
        }
      }
    }
    const fromModule = (specifier: string): string | undefined => {
      const resolved = resolveRelativeImport(file.path, specifier, this.files);
      if (resolved === undefined && !specifier.startsWith('.')) {
        this.external.push({ file: file.path, specifier });
      }
      return resolved;
    };
    const localOrImported = (name: string, statement: AstNode): Declared | undefined => {
      const local = locals.get(name);
      if (local !== undefined) return local;
      const imported = imports.get(name);
      if (imported !== undefined) {
        const target = fromModule(imported.source);
        if (target === undefined) return undefined;
        if (imported.imported === '*') {
          return {
            kind: 'namespace',
            file: file.path,
            line: lines.lineOf(statement.start),
            documented: docs.before(statement.start),
            key: `${file.path}#${name}`,
          };
        }
        return this.exportsOf(target).named.get(imported.imported);
      }
      return undefined;
    };
    // Pass 2: exports.
    for (const statement of body) {
      switch (statement.type) {
        case 'ExportNamedDeclaration': {
          if (statement.declaration) {
            for (const [name, declared] of declare(
              statement.declaration as AstNode,
              statement.start,
            )) {
              add(named, name, declared);
            }
            break;
          }
          const source = statement.source
            ? ((statement.source as AstNode).value as string)
            : undefined;
          const target = source === undefined ? undefined : fromModule(source);
          for (const specifier of statement.specifiers as AstNode[]) {
            const local = moduleName(specifier.local as AstNode) ?? '';
            const exported = moduleName(specifier.exported as AstNode) ?? local;
            let declared: Declared | undefined;
            if (source !== undefined) {
              declared = target === undefined ? undefined : this.exportsOf(target).named.get(local);
            } else {
              declared = localOrImported(local, statement);
            }
            if (declared !== undefined) {
              // A comment on the export statement documents what it exports.
              add(
                named,
                exported,
                declared.documented || !docs.before(statement.start)
                  ? declared
                  : { ...declared, documented: true },
              );
            }
          }
          break;
        }
        case 'ExportDefaultDeclaration': {
          const declaration = statement.declaration as AstNode;
          const declared = declare(
            declaration,
            statement.start,
            declaration.type === 'FunctionDeclaration' ? 'function' : undefined,
          )[0]?.[1];
          if (declared !== undefined) {
            add(named, 'default', { ...declared, key: `${file.path}#default` });
          } else if (declaration.type === 'Identifier') {
            const target = localOrImported(declaration.name as string, statement);
            if (target !== undefined) add(named, 'default', target);
          } else {
            add(named, 'default', {
              kind:
                declaration.type === 'FunctionDeclaration' ||
                declaration.type === 'ArrowFunctionExpression'
                  ? 'function'
                  : declaration.type === 'ClassDeclaration'
                    ? 'class'
                    : 'value',
              file: file.path,
              line: lines.lineOf(statement.start),
              documented: docs.before(statement.start),
              key: `${file.path}#default`,
            });
          }
          break;
        }
        case 'ExportAllDeclaration': {
          const source = (statement.source as AstNode).value as string;
          const target = fromModule(source);
          const exportedAs = statement.exported
            ? moduleName(statement.exported as AstNode)
            : undefined;
          if (exportedAs !== undefined) {
            add(named, exportedAs, {
              kind: 'namespace',
              file: file.path,
              line: lines.lineOf(statement.start),
              documented: docs.before(statement.start),
              key: `${file.path}#${exportedAs}`,
            });
          } else if (target !== undefined) {
            for (const [name, declared] of this.exportsOf(target).named) {
              if (name !== 'default' && !named.has(name)) named.set(name, declared);
            }
          }
          break;
        }
      }
    }
    return { named };
  }
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
  private readonly ends: number[];
  private readonly isDoc: boolean[];

  constructor(
    private readonly text: string,
    parsed: ParsedSource,
  ) {
    const comments = [...parsed.comments].sort((a, b) => a.start - b.start);
    this.ends = comments.map((comment) => comment.end);
    this.isDoc = comments.map(
      (comment) =>
        comment.type === 'Block' &&
        comment.value.startsWith('*') &&
        !comment.value.startsWith('**'),
    );
  }

  /** True when a JSDoc/TSDoc block ends right before `position` (only whitespace between). */
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
    if (found === -1 || !this.isDoc[found]) return false;
    return this.text.slice(this.ends[found]!, position).trim() === '';
  }
}

/**
 * Measures documentation coverage of the public API: the symbols exported from each package's
 * entry points in package.json (`exports`, `main`, `module`, `types`; built paths such as
 * `./dist/index.js` map back to `src/index.ts`; `export * from` and `export { } from` are
 * followed) that carry a JSDoc/TSDoc comment, and for Python the public module-level functions
 * and classes that carry a docstring. Private workspace packages of a monorepo are not public API.
 *
 * @example
 * ```ts
 * const docs = await analyzeDocumentation({ root: '.' });
 * if (docs.status === 'measured') for (const s of docs.undocumented) console.log(`${s.file}:${s.line} ${s.name}`);
 * ```
 */
export async function analyzeDocumentation(
  options: AnalyzeDocumentationOptions,
): Promise<DocumentationResult> {
  const { signal, logger = noopLogger } = options;
  const index = options.index ?? (await createProjectIndex({ root: options.root, signal, logger }));
  const packages = await listWorkspacePackages(index.root, index.listing.files);
  const graph = new ModuleGraph(index);
  const warnings: string[] = [];
  const symbols = new Map<string, PublicSymbol>();
  const packageReports: Array<z.infer<typeof packageDocumentationSchema>> = [];
  const monorepo = packages.length > 1;
  for (const workspacePackage of packages) {
    throwIfAborted(signal);
    const manifest = workspacePackage.manifest;
    if (manifest === undefined) continue;
    if (monorepo && manifest.private === true) continue;
    const targets = packageEntryTargets(manifest);
    if (targets.length === 0) continue;
    const entryPoints: Array<{ subpath: string; target: string; source: string }> = [];
    const unresolved: Array<{ subpath: string; target: string }> = [];
    for (const target of targets) {
      if (target.target.includes('*')) {
        warnings.push(
          `${workspacePackage.name}: pattern export ${target.subpath} -> ${target.target} is not analysed`,
        );
        continue;
      }
      const source = resolveEntrySource(workspacePackage.directory, target.target, graph.files);
      if (source === undefined) unresolved.push(target);
      else entryPoints.push({ ...target, source });
    }
    if (unresolved.length > 0) {
      warnings.push(
        `${workspacePackage.name}: no source file found for ${unresolved.map((entry) => `${entry.subpath} -> ${entry.target}`).join(', ')}`,
      );
    }
    const own = new Map<string, PublicSymbol>();
    for (const source of new Set(entryPoints.map((entry) => entry.source))) {
      for (const [name, declared] of graph.exportsOf(source).named) {
        if (own.has(declared.key)) continue;
        own.set(declared.key, {
          name,
          kind: declared.kind,
          file: declared.file,
          line: declared.line,
          documented: declared.documented,
          packageName: workspacePackage.name,
        });
      }
    }
    for (const [key, symbol] of own) if (!symbols.has(key)) symbols.set(key, symbol);
    const list = [...own.values()];
    packageReports.push({
      name: workspacePackage.name,
      directory: workspacePackage.directory,
      language: 'javascript',
      entryPoints,
      unresolvedEntryPoints: unresolved,
      total: list.length,
      documented: list.filter((symbol) => symbol.documented).length,
    });
  }

  // Python: public module-level definitions.
  const python = pythonPublicDefinitions(index.pythonFiles);
  for (const [directory, definitions] of python) {
    for (const definition of definitions) {
      symbols.set(`${definition.file}#${definition.name}`, {
        ...definition,
        packageName: directory,
      });
    }
    packageReports.push({
      name: directory,
      directory,
      language: 'python',
      entryPoints: [],
      unresolvedEntryPoints: [],
      total: definitions.length,
      documented: definitions.filter((definition) => definition.documented).length,
    });
  }

  const all = [...symbols.values()].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name),
  );
  const parseFailures = index.parseFailures;
  if (parseFailures.length > 0) {
    warnings.push(
      `${parseFailures.length} file(s) could not be parsed; their exports are not counted`,
    );
  }
  const externalReExports = dedupe(graph.external);
  if (all.length === 0) {
    const reason =
      packageReports.length === 0
        ? 'no public API found: no package.json entry points (exports, main, module, types) and no public Python definitions'
        : 'the entry points export no symbols';
    return {
      status: 'unknown',
      reason,
      packages: packageReports,
      externalReExports,
      parseFailures,
      warnings,
      summary: `Documentation coverage unknown: ${reason}`,
    };
  }
  const documented = all.filter((symbol) => symbol.documented).length;
  const percent = coveragePercent(documented, all.length);
  return {
    status: 'measured',
    percent,
    total: all.length,
    documented,
    symbols: all,
    undocumented: all.filter((symbol) => !symbol.documented),
    packages: packageReports,
    externalReExports,
    parseFailures,
    warnings,
    summary: `${percent}% of the public API documented (${documented}/${all.length} symbols)`,
  };
}

function dedupe(
  items: Array<{ file: string; specifier: string }>,
): Array<{ file: string; specifier: string }> {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.file}\u0000${item.specifier}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
