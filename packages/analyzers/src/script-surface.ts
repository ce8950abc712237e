import { type AstNode, isConstantString, nameOf, walkAst } from './ast.js';
import {
  classifyCall,
  FileModules,
  isJsonParse,
  isWebSocket,
  memberChain,
  type SinkCall,
  unwrapExpression,
} from './call-sinks.js';
import { LineIndex, type ParsedSource, type SourceFile } from './source-file.js';
import {
  type FileSurface,
  SurfaceCollector,
  type SurfaceInput,
  type SurfaceRule,
  UNTRUSTED,
} from './surface-items.js';

const REQUEST_NAMES = new Set(['req', 'request']);
const REQUEST_PARTS = new Set([
  'query',
  'params',
  'body',
  'headers',
  'cookies',
  'signedCookies',
  'files',
  'file',
  'originalUrl',
  'url',
  'rawBody',
]);
const CONTEXT_NAMES = new Set(['ctx', 'context']);
// `ctx.body` is koa's response; the request body is `ctx.request.body`.
const CONTEXT_PARTS = new Set(['query', 'params', 'querystring', 'headers', 'cookies']);
const HONO_PARTS = new Set([
  'query',
  'queries',
  'param',
  'json',
  'header',
  'parseBody',
  'formData',
  'text',
  'arrayBuffer',
]);

function expressionOf(parts: readonly string[]): string {
  return parts.join('.').replace(/\.\[\]/g, '[…]');
}

/** The outside input a member chain reads, if any. */
function inputOfChain(chain: readonly string[]): SurfaceInput | undefined {
  const [base, first, second] = chain;
  if (base === 'process') {
    if (first === 'argv') return { expression: 'process.argv', source: 'command-line' };
    if (first === 'stdin') return { expression: 'process.stdin', source: 'stdin' };
    if (first === 'env') {
      const variable = second === undefined || second === '[]' ? '' : `.${second}`;
      return { expression: `process.env${variable}`, source: 'environment' };
    }
    return undefined;
  }
  const http = (length: number): SurfaceInput => ({
    expression: expressionOf(chain.slice(0, length)),
    source: 'http-request',
  });
  if (REQUEST_NAMES.has(base!) && REQUEST_PARTS.has(first ?? '')) return http(3);
  if (CONTEXT_NAMES.has(base!) && CONTEXT_PARTS.has(first ?? '')) return http(3);
  if (CONTEXT_NAMES.has(base!) && first === 'request' && REQUEST_PARTS.has(second ?? '')) {
    return http(4);
  }
  if (first === 'req' && HONO_PARTS.has(second ?? '')) return http(3);
  return undefined;
}

/** The input a member expression reads, unless it is the inner part of a longer chain. */
function inputAt(node: AstNode, parent: AstNode | undefined): SurfaceInput | undefined {
  if (node.type !== 'MemberExpression') return undefined;
  if (parent?.type === 'MemberExpression' && parent.object === node) return undefined;
  const chain = memberChain(node);
  return chain === undefined ? undefined : inputOfChain(chain);
}

/** True for an identifier that is a name being read (not a property key or a member name). */
function isReference(node: AstNode, parent: AstNode | undefined): boolean {
  if (node.type !== 'Identifier' || parent === undefined) return node.type === 'Identifier';
  if (parent.type === 'MemberExpression') return parent.object === node || parent.computed === true;
  if (parent.type === 'Property') return parent.value === node || parent.computed === true;
  return true;
}

/** Every identifier a binding pattern declares (`a`, `{ a, b: c }`, `[d, ...e]`). */
function boundNames(pattern: AstNode | null | undefined): string[] {
  if (pattern === null || pattern === undefined) return [];
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name as string];
    case 'ObjectPattern':
      return (pattern.properties as AstNode[]).flatMap((property) =>
        boundNames(
          (property.type === 'RestElement' ? property.argument : property.value) as AstNode,
        ),
      );
    case 'ArrayPattern':
      return (pattern.elements as Array<AstNode | null>).flatMap((element) => boundNames(element));
    case 'RestElement':
      return boundNames(pattern.argument as AstNode);
    case 'AssignmentPattern':
      return boundNames(pattern.left as AstNode);
    default:
      return [];
  }
}

/** The untrusted input read anywhere in `nodes`, directly or through a tainted variable. */
function inputsIn(
  nodes: ReadonlyArray<AstNode | null | undefined>,
  tainted: ReadonlyMap<string, SurfaceInput>,
): SurfaceInput[] {
  const found: SurfaceInput[] = [];
  const add = (input: SurfaceInput): void => {
    if (!UNTRUSTED.has(input.source)) return;
    if (found.some((item) => item.expression === input.expression)) return;
    found.push(input);
  };
  const visitor = {
    enter(node: AstNode, parent: AstNode | undefined): void {
      const input = inputAt(node, parent);
      if (input !== undefined) add(input);
      else if (isReference(node, parent) && node.type === 'Identifier') {
        const taint = tainted.get(node.name as string);
        if (taint !== undefined) add({ expression: node.name as string, source: taint.source });
      }
    },
  };
  for (const node of nodes) if (node !== null && node !== undefined) walkAst(node, [visitor]);
  return found;
}

const ROUTE_METHODS = new Set([
  'get',
  'post',
  'put',
  'patch',
  'delete',
  'del',
  'options',
  'head',
  'all',
  'use',
]);
/** Names of values that are options objects, not handlers (`client.get('/x', options)`). */
const NOT_HANDLERS = new Set(['options', 'opts', 'config', 'params', 'headers', 'data', 'body']);
const HTTP_CLIENTS = new Set(['axios', 'got', 'ky', 'superagent', 'needle', 'undici', 'fetch']);

function literalPath(node: AstNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  let value: string | undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') value = node.value;
  else if (node.type === 'TemplateLiteral' && isConstantString(node)) {
    value = ((node.quasis as AstNode[])[0]?.value as { cooked?: string } | undefined)?.cooked;
  }
  return value !== undefined && /^[/*]/.test(value) ? value : undefined;
}

function handlerName(node: AstNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  const inner = unwrapExpression(node);
  if (inner.type === 'ArrowFunctionExpression' || inner.type === 'FunctionExpression') {
    return 'inline function';
  }
  const chain = memberChain(inner);
  if (chain === undefined || NOT_HANDLERS.has(chain.at(-1)!)) return undefined;
  return expressionOf(chain);
}

/** The path of `app.route('/x')`, possibly followed by more `.get(...)` calls on it. */
function routedPath(node: AstNode): string | undefined {
  const target = unwrapExpression(node);
  if (target.type !== 'CallExpression') return undefined;
  const callee = unwrapExpression(target.callee as AstNode);
  if (callee.type !== 'MemberExpression') return undefined;
  const method = nameOf(callee.property);
  const args = target.arguments as AstNode[];
  if (method === 'route') return literalPath(args[0]);
  return ROUTE_METHODS.has(method ?? '') ? routedPath(callee.object as AstNode) : undefined;
}

/** A route registration: `app.get('/x', handler)`, `router.route('/x').post(h)`, `fastify.route({...})`. */
function routeOf(node: AstNode): { name: string; handler: string } | undefined {
  const callee = unwrapExpression(node.callee as AstNode);
  if (callee.type !== 'MemberExpression' || callee.computed === true) return undefined;
  const method = nameOf(callee.property);
  const args = node.arguments as AstNode[];
  const base = memberChain(callee)?.[0];
  if (base !== undefined && HTTP_CLIENTS.has(base)) return undefined;
  if (method !== undefined && ROUTE_METHODS.has(method)) {
    const verb = method === 'del' ? 'DELETE' : method.toUpperCase();
    const routed = routedPath(callee.object as AstNode);
    if (routed !== undefined) {
      const handler = handlerName(args.at(-1));
      return handler === undefined ? undefined : { name: `${verb} ${routed}`, handler };
    }
    const path = literalPath(args[0]);
    const handler = args.length >= 2 ? handlerName(args.at(-1)) : undefined;
    if (path === undefined || handler === undefined) return undefined;
    return { name: `${verb === 'USE' ? 'ALL' : verb} ${path}`, handler };
  }
  if (method === 'route' && args.length === 1 && args[0]!.type === 'ObjectExpression') {
    const fields = new Map<string, AstNode>();
    for (const property of args[0]!.properties as AstNode[]) {
      const key = property.type === 'Property' ? nameOf(property.key) : undefined;
      if (key !== undefined) fields.set(key, property.value as AstNode);
    }
    const path = literalPath(fields.get('url') ?? fields.get('path'));
    const verbNode = fields.get('method');
    const verbs =
      verbNode?.type === 'ArrayExpression'
        ? (verbNode.elements as AstNode[]).map((element) => nameOf(element) ?? '?')
        : [nameOf(verbNode) ?? 'ALL'];
    const handler = handlerName(fields.get('handler'));
    if (path === undefined || handler === undefined) return undefined;
    return { name: `${verbs.map((verb) => verb.toUpperCase()).join(',')} ${path}`, handler };
  }
  return undefined;
}

const SERVER_FACTORIES = new Set(['express', 'fastify', 'Fastify', 'polka', 'connect']);
const SERVER_CLASSES = new Set(['Koa', 'Hono', 'Elysia']);

/** `http.createServer(...)`, `express()`, `new Koa()`, ...: the name to list, if it is one. */
function serverOf(node: AstNode, modules: FileModules): string | undefined {
  const callee = unwrapExpression(node.callee as AstNode);
  const chain = memberChain(callee);
  if (chain === undefined) return undefined;
  if (node.type === 'NewExpression') {
    return chain.length === 1 && SERVER_CLASSES.has(chain[0]!) ? `new ${chain[0]}()` : undefined;
  }
  const created = modules.calledExport(chain, 'http', 'https', 'http2');
  if (created === 'createServer' || created === 'createSecureServer') return chain.join('.');
  return chain.length === 1 && SERVER_FACTORIES.has(chain[0]!) ? `${chain[0]}()` : undefined;
}

/** Which arguments of a sink decide where it acts (the command, the path, the URL). */
function decidingArguments(sink: SinkCall, args: readonly AstNode[]): AstNode[] {
  if (sink.kind === 'file-write' && /^(copyFile|cp|rename)/.test(sink.name.split('.').at(-1)!)) {
    return args.slice(0, 2);
  }
  if (sink.kind === 'child-process' && sink.shell) return [...args];
  return args.slice(0, 1);
}

function sinkRule(sink: SinkCall): SurfaceRule | undefined {
  switch (sink.kind) {
    case 'child-process':
      return 'surface/command-injection';
    case 'deserialization':
      return sink.executesCode ? 'surface/unsafe-deserialization-of-input' : undefined;
    case 'file-write':
      return 'surface/path-traversal';
    case 'outbound-request':
      return 'surface/server-side-request-forgery';
  }
}

/**
 * The attack surface of one parsed JS/TS file, from one walk. Variables assigned from outside
 * input (in source order, anywhere in the file) carry it to the sinks that use them.
 */
export function scanScriptSurface(file: SourceFile, parsed: ParsedSource): FileSurface {
  const lines = new LineIndex(file.text);
  const collector = new SurfaceCollector(file, (line) => lines.lineText(file.text, line));
  const modules = new FileModules(parsed, file.text);
  const tainted = new Map<string, SurfaceInput>();
  const lineOf = (node: AstNode): number => lines.lineOf(node.start);

  const taint = (names: readonly string[], value: AstNode | null | undefined): void => {
    const [input] = inputsIn([value], tainted);
    if (input === undefined) return;
    for (const name of names) if (!tainted.has(name)) tainted.set(name, input);
  };

  const onCall = (node: AstNode): void => {
    const line = lineOf(node);
    const args = node.arguments as AstNode[];
    const route = node.type === 'CallExpression' ? routeOf(node) : undefined;
    if (route !== undefined) {
      collector.add('http-route', line, route.name, { handler: route.handler });
      return;
    }
    const server = serverOf(node, modules);
    if (server !== undefined) {
      collector.add('http-server', line, server);
      return;
    }
    if (isWebSocket(node)) {
      collector.add('outbound-request', line, 'new WebSocket', { inputs: inputsIn(args, tainted) });
      return;
    }
    const chain = memberChain(node.callee as AstNode);
    if (
      chain?.length === 2 &&
      REQUEST_NAMES.has(chain[0]!) &&
      chain[1] === 'on' &&
      nameOf(args[0]) === 'data'
    ) {
      collector.add('user-input', line, `${chain[0]} (request body stream)`, {
        source: 'http-request',
      });
      return;
    }
    if (isJsonParse(node)) {
      const inputs = inputsIn(args, tainted);
      if (inputs.length > 0) collector.add('deserialization', line, 'JSON.parse', { inputs });
      return;
    }
    const sink = node.type === 'CallExpression' ? classifyCall(node, modules) : undefined;
    if (sink === undefined) return;
    collector.add(sink.kind, line, sink.name, {
      inputs: inputsIn(args, tainted),
      ...(sink.kind === 'child-process' ? { shell: sink.shell } : {}),
    });
    const rule = sinkRule(sink);
    const remote = inputsIn(decidingArguments(sink, args), tainted).filter(
      (input) => input.source === 'http-request',
    );
    if (rule !== undefined && remote.length > 0) collector.flag(rule, line, remote);
  };

  const visitor = {
    enter(node: AstNode, parent: AstNode | undefined): void {
      switch (node.type) {
        case 'VariableDeclarator':
          taint(boundNames(node.id as AstNode), node.init as AstNode | null);
          return;
        case 'AssignmentExpression':
          if ((node.left as AstNode).type === 'Identifier') {
            taint([(node.left as AstNode).name as string], node.right as AstNode);
          }
          return;
        case 'CallExpression':
        case 'NewExpression':
          onCall(node);
          return;
        case 'MemberExpression': {
          // `res.body = ...` writes, it does not read input.
          if (parent?.type === 'AssignmentExpression' && parent.left === node) return;
          const input = inputAt(node, parent);
          if (input !== undefined) {
            collector.add('user-input', lineOf(node), input.expression, { source: input.source });
          }
          return;
        }
        default:
          return;
      }
    },
  };
  walkAst(parsed.program as unknown as AstNode, [visitor]);
  return { items: collector.items, findings: collector.findings };
}
