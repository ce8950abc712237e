import { type AstNode, nameOf } from './ast.js';
import type { ParsedSource } from './source-file.js';

/** What a call does that matters to an attacker. */
export type SinkKind = 'child-process' | 'file-write' | 'deserialization' | 'outbound-request';

/** A call recognised as a sink, by its callee and what the file imports. */
export interface SinkCall {
  kind: SinkKind;
  /** The callee as written, e.g. `exec`, `cp.spawn`, `fs.promises.writeFile`. */
  name: string;
  /** For child processes: the command runs through a shell (`exec`, or `shell: true`). */
  shell: boolean;
  /** For deserialisation: the format can run code while it is read (node-serialize). */
  executesCode: boolean;
}

const WRAPPERS = new Set([
  'TSAsExpression',
  'TSNonNullExpression',
  'TSSatisfiesExpression',
  'TSTypeAssertion',
  'ParenthesizedExpression',
  'ChainExpression',
]);

/** The expression inside TypeScript casts, parentheses and optional chains. */
export function unwrapExpression(node: AstNode): AstNode {
  let current = node;
  while (WRAPPERS.has(current.type)) current = current.expression as AstNode;
  return current;
}

/**
 * The names of a member expression from its base, e.g. `['req', 'query', 'file']` for
 * `req.query.file` or `req.query?.['file']`; a computed part that is not a string literal is
 * `[]`. Undefined when the base is not an identifier (a call, `this`, a literal).
 */
export function memberChain(node: AstNode): string[] | undefined {
  const parts: string[] = [];
  let current = unwrapExpression(node);
  while (current.type === 'MemberExpression') {
    const property = current.property as AstNode;
    parts.unshift(
      current.computed === true
        ? typeof property.value === 'string'
          ? property.value
          : '[]'
        : (nameOf(property) ?? '[]'),
    );
    current = unwrapExpression(current.object as AstNode);
  }
  if (current.type !== 'Identifier') return undefined;
  parts.unshift(current.name as string);
  return parts;
}

/** How a file binds the names of one module: `import * as fs`, `import { exec }`, `require`. */
export interface ModuleBinding {
  /** Local names of the whole module (namespace, default import, `const cp = require(...)`). */
  namespaces: Set<string>;
  /** Local name -> exported name, for named imports and destructured requires. */
  named: Map<string, string>;
}

/**
 * The local names under which a file imports or requires a module, given with and without the
 * `node:` prefix (`child_process` matches `node:child_process`).
 */
export function moduleBinding(
  parsed: ParsedSource,
  text: string,
  modules: readonly string[],
): ModuleBinding {
  const specifiers = new Set(modules.flatMap((name) => [name, `node:${name}`]));
  const binding: ModuleBinding = { namespaces: new Set(), named: new Map() };
  for (const item of parsed.module.staticImports) {
    if (!specifiers.has(item.moduleRequest.value)) continue;
    for (const entry of item.entries) {
      if (entry.isType) continue;
      if (entry.importName.kind === 'Name' && entry.importName.name !== null) {
        binding.named.set(entry.localName.value, entry.importName.name);
      } else {
        binding.namespaces.add(entry.localName.value);
      }
    }
  }
  if (!text.includes('require(')) return binding;
  const alternatives = [...specifiers].map((name) => name.replace(/[/.]/g, '\\$&')).join('|');
  const required = new RegExp(
    `(?:const|let|var)\\s+(?:(\\w+)|\\{([^}]*)\\})\\s*=\\s*require\\(\\s*['"](?:${alternatives})['"]\\s*\\)`,
    'g',
  );
  for (const match of text.matchAll(required)) {
    if (match[1] !== undefined) binding.namespaces.add(match[1]);
    for (const part of (match[2] ?? '').split(',')) {
      const [exported, local] = part.split(':').map((name) => name.trim());
      if (exported !== undefined && exported !== '') binding.named.set(local ?? exported, exported);
    }
  }
  return binding;
}

const CHILD_PROCESS_CALLS = new Set([
  'exec',
  'execSync',
  'spawn',
  'spawnSync',
  'execFile',
  'execFileSync',
  'fork',
]);
const FILE_WRITE_CALLS = new Set([
  'writeFile',
  'writeFileSync',
  'appendFile',
  'appendFileSync',
  'createWriteStream',
  'copyFile',
  'copyFileSync',
  'cp',
  'cpSync',
  'rename',
  'renameSync',
  'rm',
  'rmSync',
  'unlink',
  'unlinkSync',
  'truncate',
  'truncateSync',
]);
const HTTP_CLIENT_CALLS = new Set(['get', 'request']);
const HTTP_LIBRARIES = new Set(['axios', 'got', 'ky', 'superagent', 'needle', 'undici']);
const HTTP_LIBRARY_CALLS = new Set([
  'get',
  'post',
  'put',
  'patch',
  'delete',
  'head',
  'options',
  'request',
  'fetch',
  'stream',
]);
const SOCKET_CALLS = new Set(['connect', 'createConnection']);
const YAML_NAMES = new Set(['yaml', 'YAML', 'jsyaml', 'jsYaml']);

/** The modules whose bindings {@link classifyCall} reads, created once per file. */
export class FileModules {
  private readonly cache = new Map<string, ModuleBinding>();

  constructor(
    private readonly parsed: ParsedSource,
    private readonly text: string,
  ) {}

  /** The file's binding of `modules` (computed on first use). */
  binding(...modules: string[]): ModuleBinding {
    const key = modules.join('|');
    let binding = this.cache.get(key);
    if (binding === undefined) {
      binding = moduleBinding(this.parsed, this.text, modules);
      this.cache.set(key, binding);
    }
    return binding;
  }

  /** The exported name a callee chain calls in one of `modules`, or undefined. */
  calledExport(chain: readonly string[], ...modules: string[]): string | undefined {
    const binding = this.binding(...modules);
    if (chain.length === 1) return binding.named.get(chain[0]!);
    // fs.writeFile, fs.promises.writeFile, cp.exec
    if (binding.namespaces.has(chain[0]!)) return chain.at(-1);
    return undefined;
  }
}

function hasShellOption(args: readonly AstNode[]): boolean {
  return args.some(
    (arg) =>
      arg.type === 'ObjectExpression' &&
      (arg.properties as AstNode[]).some(
        (property) =>
          property.type === 'Property' &&
          nameOf(property.key) === 'shell' &&
          !(
            (property.value as AstNode).type === 'Literal' &&
            (property.value as AstNode).value === false
          ),
      ),
  );
}

/**
 * Recognises a call that starts a process, writes or deletes a file, deserialises data or makes
 * an outbound request, from its callee and the file's imports: `exec` counts only when it comes
 * from `child_process`, `writeFile` only from `fs`, so `regex.exec()` or `map.delete()` do not.
 */
export function classifyCall(node: AstNode, modules: FileModules): SinkCall | undefined {
  const callee = unwrapExpression(node.callee as AstNode);
  const chain = memberChain(callee);
  if (chain === undefined) return undefined;
  const name = chain.join('.');
  const last = chain.at(-1)!;
  const args = node.arguments as AstNode[];
  const sink = (kind: SinkKind, shell = false, executesCode = false): SinkCall => ({
    kind,
    name,
    shell,
    executesCode,
  });

  const processCall = modules.calledExport(chain, 'child_process');
  if (processCall !== undefined && CHILD_PROCESS_CALLS.has(processCall)) {
    const shell = processCall === 'exec' || processCall === 'execSync' || hasShellOption(args);
    return sink('child-process', shell);
  }
  const fileCall = modules.calledExport(chain, 'fs', 'fs/promises', 'fs-extra');
  if (fileCall !== undefined && FILE_WRITE_CALLS.has(fileCall)) return sink('file-write');

  if (last === 'unserialize' || (last === 'deserialize' && chain[0] === 'serialize')) {
    return sink('deserialization', false, true);
  }
  if (chain.length === 2 && last === 'deserialize') return sink('deserialization');
  if (chain.length === 2 && YAML_NAMES.has(chain[0]!) && /^(load|loadAll|parse)$/.test(last)) {
    return sink('deserialization');
  }
  if (chain.length === 2 && /^msgpack/i.test(chain[0]!) && /^(decode|unpack)$/.test(last)) {
    return sink('deserialization');
  }

  if (chain.length === 1 && (last === 'fetch' || HTTP_LIBRARIES.has(last))) {
    return sink('outbound-request');
  }
  if (chain.length === 2 && HTTP_LIBRARIES.has(chain[0]!) && HTTP_LIBRARY_CALLS.has(last)) {
    return sink('outbound-request');
  }
  const httpCall = modules.calledExport(chain, 'http', 'https');
  if (httpCall !== undefined && HTTP_CLIENT_CALLS.has(httpCall)) return sink('outbound-request');
  const socketCall = modules.calledExport(chain, 'net', 'tls');
  if (socketCall !== undefined && SOCKET_CALLS.has(socketCall)) return sink('outbound-request');
  return undefined;
}

/** True for `JSON.parse(...)`: a sink only when request input reaches it. */
export function isJsonParse(node: AstNode): boolean {
  const chain = memberChain(node.callee as AstNode);
  return chain?.length === 2 && chain[0] === 'JSON' && chain[1] === 'parse';
}

/** `new WebSocket(url)`: an outbound connection. */
export function isWebSocket(node: AstNode): boolean {
  return node.type === 'NewExpression' && nameOf(node.callee) === 'WebSocket';
}
