import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';
import { coveragePercent } from './coverage.js';
import { packageEntryTargets, resolveEntrySource, resolveRelativeImport } from './entry-points.js';
import type { DeclaredSymbol, ModuleSummary } from './module-summary.js';
import { isTestPath } from './paths.js';
import { createProjectIndex, type ProjectIndex } from './project-index.js';
import { pythonPublicDefinitions } from './python-docs.js';
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

interface Declared extends DeclaredSymbol {
  /** Project-relative file of the declaration. */
  file: string;
  /** Identity of the declaration: `file#localName`. */
  key: string;
}

interface ModuleExports {
  named: Map<string, Declared>;
}

/** Resolves each module's exports through re-exports and imports, from the module summaries. */
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
    const summary = file === undefined ? undefined : this.index.scriptFacts(file)?.module;
    if (file === undefined || summary === undefined) return empty;
    this.visiting.add(path);
    const result = this.resolve(path, summary);
    this.visiting.delete(path);
    this.cache.set(path, result);
    return result;
  }

  private resolve(path: string, summary: ModuleSummary): ModuleExports {
    const named = new Map<string, Declared>();
    const at = (name: string, symbol: DeclaredSymbol): Declared => ({
      ...symbol,
      file: path,
      key: `${path}#${name}`,
    });
    const locals = new Map(summary.locals.map(([name, symbol]) => [name, at(name, symbol)]));
    const imports = new Map(summary.imports);
    const add = (name: string, declared: Declared): void => {
      const previous = named.get(name);
      // Overloads and value+type pairs merge: documented when any declaration is.
      if (previous === undefined) named.set(name, declared);
      else if (!previous.documented && declared.documented)
        named.set(name, { ...previous, documented: true });
    };
    const fromModule = (specifier: string): string | undefined => {
      const resolved = resolveRelativeImport(path, specifier, this.files);
      if (resolved === undefined && !specifier.startsWith('.'))
        this.external.push({ file: path, specifier });
      return resolved;
    };
    const localOrImported = (
      name: string,
      line: number,
      documented: boolean,
    ): Declared | undefined => {
      const local = locals.get(name);
      if (local !== undefined) return local;
      const imported = imports.get(name);
      if (imported === undefined) return undefined;
      const target = fromModule(imported.source);
      if (target === undefined) return undefined;
      if (imported.imported === '*') return at(name, { kind: 'namespace', line, documented });
      return this.exportsOf(target).named.get(imported.imported);
    };
    // A comment on an `export { }` statement documents what it exports.
    const withStatementDoc = (declared: Declared, documented: boolean): Declared =>
      declared.documented || !documented ? declared : { ...declared, documented: true };
    for (const item of summary.exports) {
      switch (item.type) {
        case 'declared':
          add(item.name, at(item.keyName, item.symbol));
          break;
        case 'local': {
          const declared = localOrImported(item.local, item.line, item.documented);
          if (declared !== undefined)
            add(item.exported, withStatementDoc(declared, item.documented));
          break;
        }
        case 'from': {
          const target = fromModule(item.source);
          const declared =
            target === undefined ? undefined : this.exportsOf(target).named.get(item.imported);
          if (declared !== undefined)
            add(item.exported, withStatementDoc(declared, item.documented));
          break;
        }
        case 'namespace':
          fromModule(item.source);
          add(
            item.exported,
            at(item.exported, { kind: 'namespace', line: item.line, documented: item.documented }),
          );
          break;
        case 'all': {
          const target = fromModule(item.source);
          if (target === undefined) break;
          for (const [name, declared] of this.exportsOf(target).named) {
            if (name !== 'default' && !named.has(name)) named.set(name, declared);
          }
          break;
        }
      }
    }
    return { named };
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
  throwIfAborted(signal);
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
  // Test code is never public API: a test fixture that is broken on purpose raises no warning.
  const unparsedCode = parseFailures.filter((failure) => !isTestPath(failure.path));
  if (unparsedCode.length > 0) {
    warnings.push(
      `${unparsedCode.length} file(s) could not be parsed; their exports are not counted`,
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
