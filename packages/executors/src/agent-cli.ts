import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { type Tier, throwIfAborted, ValidationError } from '@baton/core';

/** The coding-agent CLIs the CLI executor can run. */
export const AGENT_CLIS = ['claude', 'codex', 'gemini', 'cursor'] as const;
/** `"claude" | "codex" | "gemini" | "cursor"` (cursor runs the `cursor-agent` binary). */
export type AgentCliName = (typeof AGENT_CLIS)[number];

/** What one CLI run printed, read into a common shape. */
export interface CliReply {
  /** The agent's final message. */
  text: string;
  /** Error the CLI reported in its structured output (even with exit code 0). */
  error?: string | undefined;
  /** HTTP status of a failed model call the CLI reported. */
  apiStatus?: number | undefined;
  /** Tokens the CLI reported. */
  tokens?: { inputTokens: number; outputTokens: number } | undefined;
  /** Cost in USD the CLI itself reported. */
  costUsd?: number | undefined;
  /** Model the CLI reported using. */
  model?: string | undefined;
  /**
   * The CLI printed plain text instead of its structured format (an older version, a wrapper
   * script): `text` is that output, trimmed, and token usage is unknown.
   */
  plainText?: true | undefined;
}

/** How Baton runs one coding-agent CLI non-interactively. */
export interface AgentCliSpec {
  name: AgentCliName;
  /** Executable name looked up on PATH. */
  binary: string;
  /** Arguments for one non-interactive run with the prompt on stdin. */
  args(model: string | undefined): string[];
  /** Reads the CLI's output format (some CLIs print their error JSON on stderr). */
  parse(stdout: string, stderr: string): CliReply;
  /** Default model per tier; a missing tier lets the CLI use its own default. */
  defaultModels: Readonly<Partial<Record<Tier, string>>>;
}

const withModel = (flag: string, model: string | undefined): string[] =>
  model === undefined ? [] : [flag, model];

/** The four CLIs, each with its own flags, output format and models. */
export const AGENT_CLI_SPECS: Readonly<Record<AgentCliName, AgentCliSpec>> = Object.freeze({
  claude: {
    name: 'claude',
    binary: 'claude',
    args: (model) => ['-p', '--output-format', 'json', ...withModel('--model', model)],
    parse: parseClaudeOutput,
    defaultModels: { CHEAP: 'haiku', CAPABLE: 'sonnet', PREMIUM: 'opus' },
  },
  codex: {
    name: 'codex',
    binary: 'codex',
    args: (model) => ['exec', '--skip-git-repo-check', '--json', ...withModel('-m', model), '-'],
    parse: parseCodexOutput,
    defaultModels: {},
  },
  gemini: {
    name: 'gemini',
    binary: 'gemini',
    args: (model) => ['--output-format', 'json', ...withModel('-m', model)],
    parse: parseGeminiOutput,
    defaultModels: {
      CHEAP: 'gemini-2.5-flash-lite',
      CAPABLE: 'gemini-2.5-flash',
      PREMIUM: 'gemini-2.5-pro',
    },
  },
  cursor: {
    name: 'cursor',
    binary: 'cursor-agent',
    args: (model) => ['-p', '--output-format', 'text', ...withModel('--model', model)],
    parse: (stdout) => ({ text: stdout.trim() }),
    defaultModels: {},
  },
});

/**
 * Parses a fallback chain such as `claude,codex` (as given to `--agent-cli`). `cursor-agent` is
 * accepted for `cursor`. Unknown names are a `ValidationError` naming `field`.
 *
 * @example
 * ```ts
 * parseAgentCliChain('claude, codex'); // ['claude', 'codex']
 * ```
 */
export function parseAgentCliChain(
  text: string | readonly string[],
  field = 'agentCli',
): AgentCliName[] {
  const names = (typeof text === 'string' ? text.split(',') : [...text])
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0)
    throw new ValidationError(field, `must name at least one of ${AGENT_CLIS.join(', ')}`);
  const chain: AgentCliName[] = [];
  for (const name of names) {
    const canonical = name === 'cursor-agent' ? 'cursor' : name;
    if (!(AGENT_CLIS as readonly string[]).includes(canonical)) {
      throw new ValidationError(
        field,
        `unknown agent CLI "${name}" (known: ${AGENT_CLIS.join(', ')})`,
      );
    }
    if (!chain.includes(canonical as AgentCliName)) chain.push(canonical as AgentCliName);
  }
  return chain;
}

/** The absolute path of an executable on `env.PATH`, or undefined. */
export async function findExecutable(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<string | undefined> {
  throwIfAborted(options.signal);
  if (name.includes('/')) return (await isExecutable(name)) ? path.resolve(name) : undefined;
  for (const directory of (env.PATH ?? '').split(path.delimiter)) {
    if (directory === '') continue;
    const candidate = path.join(directory, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Which coding-agent CLIs are installed: each one whose binary is on `env.PATH`, in
 * {@link AGENT_CLIS} order, with its path.
 *
 * @example
 * ```ts
 * const available = await detectAvailableClis(process.env);
 * // [{ name: 'claude', path: '/usr/local/bin/claude' }]
 * ```
 */
export async function detectAvailableClis(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<Array<{ name: AgentCliName; path: string }>> {
  const found: Array<{ name: AgentCliName; path: string }> = [];
  for (const name of AGENT_CLIS) {
    const location = await findExecutable(AGENT_CLI_SPECS[name].binary, env, options);
    if (location !== undefined) found.push({ name, path: location });
  }
  return found;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function jsonObjects(text: string): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === 'object' && value !== null)
        objects.push(value as Record<string, unknown>);
    } catch {
      // Not a JSON line.
    }
  }
  return objects;
}

function parseWhole(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  const start = trimmed.indexOf('{');
  if (start === -1) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed.slice(start));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The last pretty-printed JSON object in a text (a line `{` through the end). */
function lastJsonBlock(text: string): Record<string, unknown> | undefined {
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if (lines[index]?.trimEnd() !== '{') continue;
    const parsed = parseWhole(lines.slice(index).join('\n'));
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/**
 * Output that is not the CLI's structured format: the text is the answer (usage unknown), and
 * nothing at all is a missing result. Lines matching `statusLines` (what the CLI prints about
 * itself) are not part of an answer.
 */
function plainTextReply(stdout: string, statusLines?: RegExp): CliReply {
  const kept =
    statusLines === undefined
      ? stdout
      : stdout
          .split('\n')
          .filter((line) => !statusLines.test(line))
          .join('\n');
  const text = kept.trim();
  return text === '' ? { text, error: 'no JSON result in the output' } : { text, plainText: true };
}

/** Whether an object is claude's result (and not, say, a JSON answer printed as plain text). */
const isClaudeResult = (value: Record<string, unknown>): boolean =>
  value.type === 'result' || typeof value.is_error === 'boolean';

/**
 * Reads `claude -p --output-format json`: one `type: "result"` object. Plain text instead (an
 * older claude, a wrapper script) is the answer, without usage.
 */
export function parseClaudeOutput(stdout: string): CliReply {
  const whole = parseWhole(stdout);
  const result =
    jsonObjects(stdout)
      .reverse()
      .find((item) => item.type === 'result') ??
    (whole !== undefined && isClaudeResult(whole) ? whole : undefined);
  if (result === undefined) return plainTextReply(stdout);
  const text = str(result.result) ?? '';
  const reply: CliReply = { text };
  const apiStatus = num(result.api_error_status);
  if (result.is_error === true) {
    reply.error =
      text === '' ? `claude reported an error (${str(result.subtype) ?? 'unknown'})` : text;
  }
  if (apiStatus !== undefined) reply.apiStatus = apiStatus;
  const usage = obj(result.usage);
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  if (input !== undefined && output !== undefined) {
    reply.tokens = {
      inputTokens:
        input +
        (num(usage.cache_creation_input_tokens) ?? 0) +
        (num(usage.cache_read_input_tokens) ?? 0),
      outputTokens: output,
    };
  }
  const cost = num(result.total_cost_usd);
  if (cost !== undefined) reply.costUsd = cost;
  const models = Object.keys(obj(result.modelUsage));
  if (models.length === 1) reply.model = models[0];
  return reply;
}

/** The `type` of codex's JSON-line events: `thread.started`, `item.completed`, `error`, ... */
const CODEX_EVENT = /^(?:(?:thread|turn|item)\.[a-z_]+|error)$/;

/**
 * Reads `codex exec --json`: JSON lines ending with `turn.completed` or `turn.failed`. Plain text
 * without any codex event (an older codex, a wrapper script) is the answer, without usage.
 */
export function parseCodexOutput(stdout: string): CliReply {
  const events = jsonObjects(stdout).filter((event) => CODEX_EVENT.test(str(event.type) ?? ''));
  if (events.length === 0 && stdout.trim() !== '') return plainTextReply(stdout);
  let text = '';
  let error: string | undefined;
  let tokens: CliReply['tokens'];
  for (const event of events) {
    const type = str(event.type);
    if (type === 'item.completed') {
      const item = obj(event.item);
      const itemText = str(item.text);
      if (
        (item.type === 'agent_message' || item.item_type === 'assistant_message') &&
        itemText !== undefined
      ) {
        text = itemText;
      }
    } else if (type === 'turn.completed') {
      const usage = obj(event.usage);
      const input = num(usage.input_tokens);
      const output = num(usage.output_tokens);
      if (input !== undefined && output !== undefined) {
        tokens = {
          inputTokens: (tokens?.inputTokens ?? 0) + input,
          outputTokens: (tokens?.outputTokens ?? 0) + output,
        };
      }
    } else if (type === 'turn.failed') {
      error = str(obj(event.error).message) ?? 'codex reported turn.failed';
    } else if (type === 'error') {
      error = str(event.message) ?? 'codex reported an error';
    }
  }
  return {
    text,
    ...(error === undefined ? {} : { error }),
    ...(tokens === undefined ? {} : { tokens }),
  };
}

/** What gemini prints about itself on stdout, before or instead of its JSON. */
const GEMINI_STATUS_LINE = /^\s*Loaded cached credentials\.?\s*$/;

/** Whether an object is gemini's JSON output (and not a JSON answer printed as plain text). */
const isGeminiOutput = (value: Record<string, unknown>): boolean =>
  'response' in value || 'stats' in value || 'error' in value;

/**
 * Reads `gemini --output-format json`: `{ response, stats, error? }` on stdout, or on a failed run
 * the error object it prints last on stderr. Plain text instead (an older gemini, a wrapper
 * script) is the answer, without usage; gemini's status line alone is no answer.
 */
export function parseGeminiOutput(stdout: string, stderr = ''): CliReply {
  const whole = parseWhole(stdout);
  const result =
    (whole !== undefined && isGeminiOutput(whole) ? whole : undefined) ?? lastJsonBlock(stderr);
  if (result === undefined) return plainTextReply(stdout, GEMINI_STATUS_LINE);
  const reply: CliReply = { text: str(result.response) ?? '' };
  if (result.error !== undefined && result.error !== null) {
    const error = obj(result.error);
    reply.error = str(error.message) ?? JSON.stringify(result.error);
    const code = num(error.code);
    if (code !== undefined) reply.apiStatus = code;
  }
  const models = obj(obj(result.stats).models);
  let input = 0;
  let output = 0;
  let counted = false;
  for (const [model, stats] of Object.entries(models)) {
    const tokenStats = obj(obj(stats).tokens);
    const prompt = num(tokenStats.prompt);
    const candidates = num(tokenStats.candidates);
    if (prompt === undefined || candidates === undefined) continue;
    input += prompt;
    // Thinking tokens are billed as output.
    output += candidates + (num(tokenStats.thoughts) ?? 0);
    counted = true;
    reply.model = reply.model === undefined ? model : reply.model;
  }
  if (counted) reply.tokens = { inputTokens: input, outputTokens: output };
  return reply;
}
