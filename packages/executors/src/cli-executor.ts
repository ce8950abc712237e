import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgentExecutionOptions,
  type AgentExecutionOutput,
  type AgentExecutor,
  abortReason,
  DEFAULT_TIER,
  describeError,
  type Logger,
  noopLogger,
  type Tier,
  type Usage,
  ValidationError,
} from '@baton/core';
import {
  AGENT_ANSWER,
  type AgentAnswer,
  type AnswerFormat,
  answerConfidence,
  parseJsonAnswer,
} from './agent-answer.js';
import {
  AGENT_CLI_SPECS,
  type AgentCliName,
  type CliReply,
  findExecutable,
  parseAgentCliChain,
} from './agent-cli.js';
import { buildAgentPrompt, type RunnableAgent } from './agent-prompt.js';
import { type AgentWorktree, changedFiles, createAgentWorktree } from './git-worktree.js';
import { DEFAULT_MODEL_PRICES, type ModelPriceTable, priceUsage } from './prices.js';
import { type ProcessOutcome, runProcess } from './process-runner.js';

/** Options for {@link createCliExecutor}. */
export interface CliExecutorOptions {
  /** CLIs to try in order (`['claude', 'codex']`, or `'claude,codex'`). */
  chain: readonly AgentCliName[] | string;
  /** Model per tier per CLI, over each CLI's defaults (a CLI without a model uses its own default). */
  models?: Partial<Record<AgentCliName, Partial<Record<Tier, string>>>> | undefined;
  /** Extra arguments per CLI, e.g. `{ claude: ['--permission-mode', 'acceptEdits'] }`. */
  extraArgs?: Partial<Record<AgentCliName, readonly string[]>> | undefined;
  /** The project the agents work on (their working directory). Default: the current directory. */
  projectRoot?: string | undefined;
  /** Identifies this run; default: a timestamp. */
  runId?: string | undefined;
  /** Where prompts and logs go; default `<projectRoot>/.baton/runs/<runId>`. */
  runDir?: string | undefined;
  /** Time limit of one CLI attempt in seconds; default the agent's `timeoutSeconds` (else 600). */
  timeoutSeconds?: number | undefined;
  /** Give each agent its own git worktree and branch `baton/<runId>/<agentId>`. */
  worktree?: boolean | undefined;
  /** A shell command run after the agent (in its directory); its exit status decides success. */
  validate?: string | undefined;
  /** Time limit of the validation command in seconds. Default 600. */
  validateTimeoutSeconds?: number | undefined;
  /** Environment of the CLIs (and where their binaries are looked up). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Prices used when a CLI reports tokens but no cost. */
  prices?: ModelPriceTable | undefined;
  /** Wait between SIGTERM and SIGKILL when killing a CLI. Default 2000 ms. */
  killGraceMs?: number | undefined;
  logger?: Logger | undefined;
  /**
   * The JSON answer the agents are asked for in their prompt and whose parse lands in `answer`.
   * Default {@link AGENT_ANSWER}. A CLI's final message that does not match is still a success
   * (the agent may have done its work in the files); `answer` is then absent.
   */
  answerFormat?: AnswerFormat | undefined;
}

/** One CLI attempt of an agent run. */
export interface CliAttempt {
  cli: AgentCliName;
  model?: string | undefined;
  /** `ok`, or why the chain moved on. */
  outcome: 'ok' | 'missing' | 'exit' | 'timeout' | 'quota' | 'auth' | 'error';
  /** The reason, for failed attempts. */
  reason?: string | undefined;
  exitCode?: number | null | undefined;
  durationSeconds: number;
  /** Log of this attempt (output of the CLI). */
  logFile?: string | undefined;
}

/** The result of the validation command. */
export interface CliValidation {
  command: string;
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationSeconds: number;
  /** The last lines of its output. */
  outputTail: string;
}

/**
 * What a CLI-backed agent's `output` holds. `Answer` is the shape of the executor's
 * `answerFormat` (default {@link AgentAnswer}).
 */
export interface CliAgentOutput<Answer extends Record<string, unknown> = AgentAnswer> {
  /** The CLI that answered (the last one tried when all failed). */
  cli?: AgentCliName | undefined;
  model?: string | undefined;
  /** The agent's final message. */
  text: string;
  /** The structured answer, when the final message contained one. */
  answer?: Answer | undefined;
  attempts: CliAttempt[];
  /** The file holding the prompt the CLIs received on stdin. */
  promptFile: string;
  worktree?: AgentWorktree | undefined;
  /** Files the agent changed in its worktree. */
  changedFiles?: string[] | undefined;
  validation?: CliValidation | undefined;
  notes: string[];
}

const QUOTA =
  /usage limit|rate[ -]?limit|quota|too many requests|\b429\b|insufficient_quota|credit balance is too low|resource[_ ]exhausted|out of credits|limit reached/i;
const AUTH =
  /not logged in|please (?:run )?\/?login|log ?in required|authentication (?:failed|required|error)|unauthori[sz]ed|invalid (?:x-)?api[ _-]?key|\b401\b|api key (?:is )?(?:missing|not set|invalid)|invalid auth method|api[ _-]?key not valid|\bunauthenticated\b/i;
/** Answer text longer than this is a real answer, not scanned for quota or login messages. */
const SHORT_TEXT = 400;

/**
 * An {@link AgentExecutor} that runs coding-agent CLIs (`claude`, `codex`, `gemini`,
 * `cursor-agent`) non-interactively, the prompt on stdin, each with its own flags and its own
 * model per tier. The chain moves to the next CLI when a binary is missing, exits non-zero, times
 * out (the whole process group is killed), or reports a quota, rate-limit or login problem even
 * with exit 0. Each attempt's output is logged to
 * `<projectRoot>/.baton/runs/<runId>/<agentId>.<cli>.log`. With `worktree` each agent works in its
 * own git worktree and branch; with `validate` the command runs afterwards and decides success.
 *
 * @example
 * ```ts
 * const executor = createCliExecutor({ chain: 'claude,codex', projectRoot: process.cwd(), validate: 'pnpm test' });
 * const result = await executor(agent, { task: 'fix the flaky test' }, { signal });
 * ```
 */
export function createCliExecutor(options: CliExecutorOptions): AgentExecutor<RunnableAgent> {
  const chain = parseAgentCliChain(options.chain, 'chain');
  const projectRoot = path.resolve(options.projectRoot ?? process.cwd());
  const runId = options.runId ?? createRunId();
  if (!/^[\w.-]+$/.test(runId))
    throw new ValidationError('runId', 'may only contain letters, digits, _ . -');
  const runDir = path.resolve(options.runDir ?? path.join(projectRoot, '.baton', 'runs', runId));
  const env = options.env ?? process.env;
  const logger = options.logger ?? noopLogger;
  const answerFormat = options.answerFormat ?? AGENT_ANSWER;
  const prices: ModelPriceTable = { ...DEFAULT_MODEL_PRICES, ...options.prices };
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    throw new ValidationError('timeoutSeconds', 'must be > 0');
  }
  if (options.validate !== undefined && options.validate.trim() === '') {
    throw new ValidationError('validate', 'must be a non-empty command');
  }

  // git worktree add is not safe to run concurrently in one repository: one at a time.
  let worktreeQueue: Promise<unknown> = Promise.resolve();

  return async (agent, context, { signal, onProcess }) => {
    const agentFile = safeFileName(agent.id);
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    const notes: string[] = [];
    const attempts: CliAttempt[] = [];

    let worktree: AgentWorktree | undefined;
    if (options.worktree === true) {
      try {
        const created = worktreeQueue.then(() =>
          createAgentWorktree({
            projectRoot,
            directory: path.join(runDir, 'worktrees', agentFile),
            branch: `baton/${runId}/${agentFile}`,
            signal,
          }),
        );
        worktreeQueue = created.catch(() => {});
        worktree = await created;
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        const promptFile = path.join(runDir, `${agentFile}.prompt.md`);
        return {
          success: false,
          error: `Could not create a git worktree for ${agent.id}: ${describeError(error)}`,
          output: { text: '', attempts, promptFile, notes } satisfies CliAgentOutput,
        };
      }
    }
    const cwd = worktree?.path ?? projectRoot;

    const prompt = buildAgentPrompt(agent, context, { answerFormat });
    const promptText = `${prompt.instructions}\n\n${prompt.prompt}\n`;
    const promptFile = path.join(runDir, `${agentFile}.prompt.md`);
    // Prompts and logs hold what agents said: readable by the owner alone.
    await writeFile(promptFile, promptText, { mode: 0o600 });

    const tier: Tier = agent.tier ?? DEFAULT_TIER;
    const timeoutSeconds =
      options.timeoutSeconds ?? agent.resourceRequirements?.timeoutSeconds ?? 600;

    for (const cli of chain) {
      const spec = AGENT_CLI_SPECS[cli];
      const model = options.models?.[cli]?.[tier] ?? spec.defaultModels[tier];
      const started = performance.now();
      const seconds = (): number => Math.round(performance.now() - started) / 1000;
      const binary = await findExecutable(spec.binary, env, { signal });
      if (binary === undefined) {
        const reason = `${spec.binary} not found on PATH`;
        attempts.push({ cli, model, outcome: 'missing', reason, durationSeconds: seconds() });
        logger.warn('agent CLI unavailable, trying the next', { agentId: agent.id, cli, reason });
        continue;
      }
      const args = [...spec.args(model), ...(options.extraArgs?.[cli] ?? [])];
      const logFile = path.join(runDir, `${agentFile}.${cli}.log`);
      const log = await openLog(logFile);
      log.write(
        `# ${new Date().toISOString()} agent ${agent.id} tier ${tier}\n# ${binary} ${args.join(' ')}\n# cwd ${cwd}\n# prompt on stdin: ${promptFile}\n\n`,
      );
      logger.info('agent CLI start', { agentId: agent.id, cli, model, logFile });
      const outcome = await runProcess({
        command: binary,
        args,
        cwd,
        env,
        stdin: promptText,
        timeoutMs: timeoutSeconds * 1000,
        signal,
        killGraceMs: options.killGraceMs,
        log,
        ...(onProcess === undefined
          ? {}
          : { onSpawn: (pid: number) => onProcess({ pid, command: spec.binary }) }),
      });
      const reply = spec.parse(outcome.stdout, outcome.stderr);
      const verdict = classify(outcome, reply, timeoutSeconds);
      log.write(
        `\n# exit ${outcome.exitCode ?? outcome.signal ?? 'none'} after ${outcome.durationMs} ms: ${verdict.outcome}${verdict.reason === undefined ? '' : ` (${verdict.reason})`}\n`,
      );
      await closeLog(log);
      attempts.push({
        cli,
        model: reply.model ?? model,
        outcome: verdict.outcome,
        ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
        exitCode: outcome.exitCode,
        durationSeconds: seconds(),
        logFile,
      });
      if (outcome.aborted || signal.aborted) throw abortReason(signal);
      if (verdict.outcome !== 'ok') {
        logger.warn('agent CLI failed, trying the next', { agentId: agent.id, cli, ...verdict });
        continue;
      }

      const usedModel = reply.model ?? model;
      const parsed = parseJsonAnswer(reply.text, answerFormat.schema);
      const confidence = parsed.success ? answerConfidence(parsed.answer) : undefined;
      const output: CliAgentOutput<Record<string, unknown>> = {
        cli,
        model: usedModel,
        text: reply.text,
        ...(parsed.success ? { answer: parsed.answer } : {}),
        attempts,
        promptFile,
        ...(worktree === undefined ? {} : { worktree }),
        notes,
      };
      const usage = cliUsage(reply, usedModel, prices, notes, cli);
      if (worktree !== undefined) {
        try {
          output.changedFiles = await changedFiles(worktree.path);
        } catch (error) {
          notes.push(`could not list changed files: ${describeError(error)}`);
        }
      }
      const result: AgentExecutionOutput = {
        output,
        success: true,
        ...(confidence === undefined ? {} : { confidence }),
        ...(usage === undefined ? {} : { usage }),
      };
      if (options.validate !== undefined) {
        const validation = await runValidation(options.validate, {
          cwd,
          env,
          signal,
          timeoutSeconds: options.validateTimeoutSeconds ?? 600,
          killGraceMs: options.killGraceMs,
          logFile,
          onProcess,
        });
        if (signal.aborted) throw abortReason(signal);
        output.validation = validation;
        if (!validation.passed) {
          result.success = false;
          result.error = validation.timedOut
            ? `Validation \`${validation.command}\` timed out after ${options.validateTimeoutSeconds ?? 600}s`
            : `Validation \`${validation.command}\` failed with exit code ${validation.exitCode}`;
        }
      }
      return result;
    }

    const last = attempts.at(-1);
    return {
      success: false,
      error: `Every agent CLI failed: ${attempts.map((attempt) => `${attempt.cli}: ${attempt.reason}`).join('; ')}`,
      output: {
        ...(last === undefined ? {} : { cli: last.cli }),
        text: '',
        attempts,
        promptFile,
        ...(worktree === undefined ? {} : { worktree }),
        notes,
      } satisfies CliAgentOutput,
    };
  };
}

/** A run id from the current time, e.g. `2026-11-21T07-41-12-345Z-a1b2`. */
export function createRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(16).slice(2, 6)}`;
}

function classify(
  outcome: ProcessOutcome,
  reply: CliReply,
  timeoutSeconds: number,
): { outcome: CliAttempt['outcome']; reason?: string } {
  if (outcome.spawnError !== undefined) {
    const missing = outcome.spawnError.code === 'ENOENT';
    return {
      outcome: missing ? 'missing' : 'error',
      reason: missing ? 'binary not found' : `could not start: ${outcome.spawnError.message}`,
    };
  }
  if (outcome.timedOut) return { outcome: 'timeout', reason: `timed out after ${timeoutSeconds}s` };
  const stderrTail = tail(outcome.stderr, 5);
  const shortText = reply.text.length <= SHORT_TEXT ? reply.text : '';
  // No answer parsed: what the CLI printed instead (e.g. a plain-text quota message from a CLI
  // whose answers are JSON lines) is the explanation.
  const stdoutTail = reply.text === '' ? tail(outcome.stdout, 5) : '';
  const messages = [reply.error ?? '', stderrTail, shortText, stdoutTail];
  const explain = (pattern: RegExp): string =>
    firstLine(matchingLine(pattern, messages) ?? reply.error ?? stderrTail);
  if (reply.apiStatus === 429 || QUOTA.test(messages.join('\n'))) {
    return { outcome: 'quota', reason: `quota or rate limit: ${explain(QUOTA)}` };
  }
  if (reply.apiStatus === 401 || reply.apiStatus === 403 || AUTH.test(messages.join('\n'))) {
    return { outcome: 'auth', reason: `authentication required: ${explain(AUTH)}` };
  }
  if (outcome.exitCode !== 0) {
    // The parsed error and what the CLI said on stderr: either alone can hide the cause.
    const detail =
      [...new Set([firstLine(reply.error ?? ''), firstLine(stderrTail)])]
        .filter((line) => line !== '')
        .join('; ') || firstLine(tail(outcome.stdout, 3));
    return {
      outcome: 'exit',
      reason: `exited with ${outcome.exitCode ?? outcome.signal}${detail === '' ? '' : `: ${detail}`}`,
    };
  }
  if (reply.error !== undefined) return { outcome: 'error', reason: firstLine(reply.error) };
  if (reply.text.trim() === '') {
    const printed = firstLine(stdoutTail) || firstLine(stderrTail);
    return {
      outcome: 'error',
      reason: `printed no answer${printed === '' ? '' : `: ${printed}`}`,
    };
  }
  return { outcome: 'ok' };
}

function cliUsage(
  reply: CliReply,
  model: string | undefined,
  prices: ModelPriceTable,
  notes: string[],
  cli: AgentCliName,
): Usage | undefined {
  if (reply.tokens === undefined) {
    notes.push(
      reply.plainText === true
        ? `${cli} printed plain text instead of its JSON output: the answer is that text; token usage unknown`
        : `${cli} reported no token usage`,
    );
    return undefined;
  }
  const usage: Usage =
    model === undefined ? { ...reply.tokens } : priceUsage({ ...reply.tokens, model }, prices);
  if (reply.costUsd !== undefined) usage.costUsd = reply.costUsd;
  if (usage.costUsd === undefined)
    notes.push(`no price known for ${cli} model ${model ?? '(CLI default)'}: cost not computed`);
  return usage;
}

async function runValidation(
  command: string,
  options: {
    cwd: string;
    env: Readonly<Record<string, string | undefined>>;
    signal: AbortSignal;
    timeoutSeconds: number;
    killGraceMs: number | undefined;
    logFile: string;
    onProcess: AgentExecutionOptions['onProcess'];
  },
): Promise<CliValidation> {
  const log = await openLog(options.logFile);
  log.write(`\n# validate: ${command}\n`);
  const outcome = await runProcess({
    command: '/bin/sh',
    args: ['-c', command],
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutSeconds * 1000,
    signal: options.signal,
    killGraceMs: options.killGraceMs,
    log,
    ...(options.onProcess === undefined
      ? {}
      : { onSpawn: (pid: number) => options.onProcess!({ pid, command: 'validate' }) }),
  });
  log.write(
    `\n# validate exit ${outcome.exitCode ?? outcome.signal} after ${outcome.durationMs} ms\n`,
  );
  await closeLog(log);
  return {
    command,
    passed: outcome.exitCode === 0 && !outcome.timedOut,
    exitCode: outcome.exitCode,
    timedOut: outcome.timedOut,
    durationSeconds: outcome.durationMs / 1000,
    outputTail: tail(`${outcome.stdout}\n${outcome.stderr}`, 20),
  };
}

async function openLog(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

function closeLog(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(() => resolve()));
}

function safeFileName(id: string): string {
  const safe = id.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe;
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n').trim();
}

function matchingLine(pattern: RegExp, texts: readonly string[]): string | undefined {
  for (const text of texts) {
    const line = text.split('\n').find((candidate) => pattern.test(candidate));
    if (line !== undefined) return line.trim();
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
