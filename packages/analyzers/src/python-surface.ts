import { pythonCodeLines } from './code-patterns.js';
import type { SourceFile } from './source-file.js';
import {
  type AttackSurfaceKind,
  type FileSurface,
  type InputSource,
  SurfaceCollector,
  type SurfaceInput,
  type SurfaceRule,
  UNTRUSTED,
} from './surface-items.js';

const PYTHON_ROUTE =
  /^\s*@([A-Za-z_][\w.]*)\.(route|get|post|put|patch|delete|head|options|api_route|websocket)\(\s*(?:(?:rule|path)\s*=\s*)?['"]([^'"]*)['"](.*)$/;
const PYTHON_DEF = /^\s*(?:async\s+)?def\s+(\w+)/;
const PYTHON_SERVER =
  /\b(Flask|FastAPI|Starlette|Sanic|Quart)\(|\b(?:http\.server\.)?(HTTPServer|ThreadingHTTPServer)\(|\bweb\.Application\(/;
const PYTHON_SINKS: ReadonlyArray<{
  kind: AttackSurfaceKind;
  pattern: RegExp;
  rule?: SurfaceRule;
  needs?: RegExp;
}> = [
  {
    kind: 'child-process',
    pattern:
      /\b(subprocess\.(?:run|call|Popen|check_output|check_call|getoutput|getstatusoutput)|os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?))\(/,
    rule: 'surface/command-injection',
    // os.system / os.popen / getoutput always use a shell; subprocess only with shell=True.
    needs: /\bos\.(?:system|popen)\(|getoutput|getstatusoutput|\bshell\s*=\s*True\b/,
  },
  {
    kind: 'deserialization',
    pattern:
      /\b((?:c?[pP]ickle|dill|marshal|jsonpickle)\.(?:loads?|Unpickler|decode)|shelve\.open|yaml\.(?:unsafe_)?load(?:_all)?)\(/,
    rule: 'surface/unsafe-deserialization-of-input',
    // yaml.load with a safe loader cannot run code.
    needs: /^(?![^\n]*Loader\s*=\s*(?:yaml\.)?C?SafeLoader)/,
  },
  {
    kind: 'file-write',
    pattern:
      /\b(open)\([^)]*,\s*(?:mode\s*=\s*)?['"][^'"]*[wax+][^'"]*['"]|\.(write_text|write_bytes)\(|\b(shutil\.(?:copy\w*|move|rmtree)|os\.(?:remove|unlink|rename|replace|rmdir))\(/,
    rule: 'surface/path-traversal',
  },
  {
    kind: 'outbound-request',
    pattern:
      /\b((?:requests|httpx)\.(?:get|post|put|patch|delete|head|options|request|stream)|(?:urllib\.request\.)?urlopen|aiohttp\.ClientSession|socket\.create_connection)\(/,
    rule: 'surface/server-side-request-forgery',
  },
];
const PYTHON_INPUTS: ReadonlyArray<{ source: InputSource; pattern: RegExp }> = [
  {
    source: 'http-request',
    pattern:
      /\brequest\.(args|form|json|data|files|values|cookies|headers|get_json|GET|POST|body|query_params|path_params)\b/g,
  },
  { source: 'command-line', pattern: /\bsys\.argv\b/g },
  { source: 'environment', pattern: /\bos\.environ\b|\bos\.getenv\(/g },
  { source: 'stdin', pattern: /\bsys\.stdin\b|(?<![.\w])input\(/g },
];
const PYTHON_ASSIGNMENT = /^\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)\s*(.+)$/;

/** The untrusted input on one Python line: request/argv/stdin reads and tainted names. */
function pythonInputs(code: string, tainted: ReadonlyMap<string, SurfaceInput>): SurfaceInput[] {
  const found: SurfaceInput[] = [];
  for (const { source, pattern } of PYTHON_INPUTS) {
    if (!UNTRUSTED.has(source)) continue;
    for (const match of code.matchAll(pattern)) {
      const expression = match[0].replace(/\($/, '()');
      if (!found.some((item) => item.expression === expression)) found.push({ expression, source });
    }
  }
  for (const [name, input] of tainted) {
    if (new RegExp(`(?<![.\\w])${name}(?!\\w)`).test(code)) {
      found.push({ expression: name, source: input.source });
    }
  }
  return found;
}

/**
 * The attack surface of one Python file, line by line (comments skipped): Flask/FastAPI route
 * decorators with the function they decorate, servers, subprocess/os calls, file writes,
 * pickle/yaml/marshal loads, requests/httpx/urllib calls, and `request.*`, `sys.argv`,
 * `os.environ`, `sys.stdin`, `input()`. A name assigned from request input carries it on.
 */
export function scanPythonSurface(file: SourceFile): FileSurface {
  const raw = file.text.split('\n');
  const collector = new SurfaceCollector(file, (line) => raw[line - 1] ?? '');
  const tainted = new Map<string, SurfaceInput>();
  for (const { line, code } of pythonCodeLines(file.text)) {
    const index = line - 1;
    const route = PYTHON_ROUTE.exec(code);
    if (route !== null) {
      const [, , verb, path, rest] = route;
      const methods = /methods\s*=\s*\[([^\]]*)\]/.exec(rest ?? '')?.[1];
      const names =
        methods === undefined
          ? [verb === 'route' || verb === 'api_route' ? 'GET' : verb!.toUpperCase()]
          : [...methods.matchAll(/['"](\w+)['"]/g)].map((match) => match[1]!.toUpperCase());
      const handler = raw
        .slice(index + 1, index + 8)
        .map((next) => PYTHON_DEF.exec(next)?.[1])
        .find((name) => name !== undefined);
      collector.add('http-route', line, `${names.join(',')} ${path}`, {
        handler: handler ?? 'unknown',
      });
      continue;
    }
    const server = PYTHON_SERVER.exec(code);
    if (server !== null)
      collector.add('http-server', line, `${server[1] ?? server[2] ?? 'web.Application'}()`);
    const inputs = pythonInputs(code, tainted);
    for (const sink of PYTHON_SINKS) {
      const match = sink.pattern.exec(code);
      if (match === null) continue;
      const name = match.slice(1).find((group) => group !== undefined) ?? match[0];
      collector.add(sink.kind, line, name, {
        inputs,
        ...(sink.kind === 'child-process' ? { shell: sink.needs?.test(code) === true } : {}),
      });
      const remote = inputs.filter((input) => input.source === 'http-request');
      if (sink.rule !== undefined && remote.length > 0 && (sink.needs?.test(code) ?? true)) {
        collector.flag(sink.rule, line, remote);
      }
    }
    for (const { source, pattern } of PYTHON_INPUTS) {
      for (const match of code.matchAll(pattern)) {
        collector.add('user-input', line, match[0].replace(/\($/, '()'), { source });
      }
    }
    const assignment = PYTHON_ASSIGNMENT.exec(code);
    if (assignment !== null && inputs.length > 0 && !tainted.has(assignment[1]!)) {
      tainted.set(assignment[1]!, inputs[0]!);
    }
  }
  return { items: collector.items, findings: collector.findings };
}
