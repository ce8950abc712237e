import type { ExecutableAgent } from '@baton/core';
import { AGENT_ANSWER, type AnswerFormat, agentAnswerSchema } from './agent-answer.js';

/**
 * The agent fields the executors read. Baton's `Agent` satisfies it; other frameworks' agents
 * need only an `id` (the rest has sensible defaults).
 */
export interface RunnableAgent extends ExecutableAgent {
  /** Role in the team, e.g. `Security Auditor`. */
  role?: string | undefined;
  /** Instructions customised for the task. */
  instructions?: string | undefined;
  /** Capability names, shown to the model. */
  capabilities?: readonly string[] | undefined;
  /** Quality gate thresholds the agent checks, shown to the model. */
  qualityGates?: Readonly<Record<string, unknown>> | undefined;
  /** `maxTokens` caps the tokens the model may produce; `timeoutSeconds` bounds CLI runs. */
  resourceRequirements?:
    | { maxTokens?: number | undefined; timeoutSeconds?: number | undefined }
    | undefined;
}

/** A prompt split into standing instructions and the request. */
export interface AgentPrompt {
  /** Who the agent is, what it must do and how it must answer. */
  instructions: string;
  /** The task and the context (including evidence other agents and tools gathered). */
  prompt: string;
}

/** Options for {@link buildAgentPrompt}. */
export interface BuildAgentPromptOptions {
  /** Whether the agent has the read-only project tools. */
  hasProjectTools?: boolean;
  /** Longest context (JSON characters) put in the prompt; the rest is cut with a note. Default 60000. */
  maxContextChars?: number;
  /** The JSON answer the agent must reply with. Default {@link AGENT_ANSWER}. */
  answerFormat?: Pick<AnswerFormat, 'schema' | 'description'> | undefined;
}

/**
 * Builds an agent's prompt: its instructions customised for the task, then the context it
 * receives, and the JSON answer format it must reply in (`answerFormat`, default the agent answer).
 *
 * @example
 * ```ts
 * const { instructions, prompt } = buildAgentPrompt(agent, { task: 'review src/', coverage: 71 });
 * ```
 */
export function buildAgentPrompt(
  agent: RunnableAgent,
  context: Record<string, unknown>,
  options: BuildAgentPromptOptions = {},
): AgentPrompt {
  const {
    hasProjectTools = false,
    maxContextChars = 60_000,
    answerFormat = AGENT_ANSWER,
  } = options;
  const lines = [`You are ${agent.role ?? agent.id}, an agent in a team (agent id "${agent.id}").`];
  if (agent.instructions !== undefined && agent.instructions.trim() !== '') {
    lines.push('', agent.instructions.trim());
  }
  if (agent.capabilities !== undefined && agent.capabilities.length > 0) {
    lines.push('', `Your capabilities: ${agent.capabilities.join(', ')}.`);
  }
  if (agent.qualityGates !== undefined && Object.keys(agent.qualityGates).length > 0) {
    lines.push('', `Quality gates to check: ${JSON.stringify(agent.qualityGates)}.`);
  }
  if (hasProjectTools) {
    lines.push(
      '',
      'You can inspect the project with read-only tools: list_files, read_file (optionally a line range) and search_text. Paths are relative to the project root. Base every finding on code you have read; cite the file and line.',
    );
  }
  lines.push(
    '',
    'When you are done, reply with exactly one JSON object and nothing else, in this shape:',
    answerFormat.description.trim(),
  );
  if (answerFormat.schema === agentAnswerSchema) {
    lines.push(
      'Use "critical" only for issues that must block a release. Report only what you have evidence for.',
    );
  }

  const { task, ...rest } = context;
  const request: string[] = [];
  if (typeof task === 'string' && task.trim() !== '') request.push(`Task: ${task.trim()}`);
  if (Object.keys(rest).length > 0) {
    request.push(
      '',
      'Context (JSON, including evidence gathered so far):',
      truncate(stringify(rest), maxContextChars),
    );
  }
  if (request.length === 0) request.push('Carry out your instructions for this project.');
  return { instructions: lines.join('\n'), prompt: request.join('\n') };
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(
      value,
      (_key, item) => (typeof item === 'bigint' ? String(item) : item),
      2,
    );
  } catch {
    return String(value);
  }
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[context truncated: ${text.length - maxChars} more characters not shown]`;
}
