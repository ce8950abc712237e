import { zodIssues } from '@baton/core';
import { z } from 'zod';

/** How serious a finding is. */
export const findingSeveritySchema = z.enum(['critical', 'high', 'medium', 'low', 'info']);
/** How serious a finding is: `"critical" | "high" | "medium" | "low" | "info"`. */
export type FindingSeverity = z.output<typeof findingSeveritySchema>;

/** Where a finding applies, relative to the project root. */
export const findingLocationSchema = z.object({
  /** File path relative to the project root. */
  file: z.string().min(1, 'must be a non-empty string'),
  /** 1-based first line, when the finding is about specific lines. */
  line: z.number().int().min(1).optional(),
  /** 1-based last line (inclusive). */
  endLine: z.number().int().min(1).optional(),
});
/** Where a finding applies. */
export type FindingLocation = z.output<typeof findingLocationSchema>;

/** One issue an agent found. */
export const findingSchema = z.object({
  severity: findingSeveritySchema,
  /** What is wrong, in one or two sentences. */
  message: z.string().min(1, 'must be a non-empty string'),
  /** Where it is, when it is in the code. */
  location: findingLocationSchema.optional(),
});
/** One issue an agent found. */
export type Finding = z.output<typeof findingSchema>;

/**
 * The answer every model-backed agent must give: the shape the model's reply is parsed against.
 */
export const agentAnswerSchema = z.object({
  /** A short summary of the work and its verdict. */
  summary: z.string().min(1, 'must be a non-empty string'),
  /** Issues found; empty when none. */
  findings: z.array(findingSchema),
  /** Concrete next steps. */
  recommendations: z.array(z.string()),
  /** How sure the agent is of its answer, 0..1. */
  confidence: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1'),
});
/** The structured answer of an agent. */
export type AgentAnswer = z.output<typeof agentAnswerSchema>;

/** The JSON shape shown to models, kept next to the schema it describes. */
export const AGENT_ANSWER_FORMAT = `{
  "summary": string,
  "findings": [{ "severity": "critical" | "high" | "medium" | "low" | "info", "message": string, "location"?: { "file": string, "line"?: number, "endLine"?: number } }],
  "recommendations": [string],
  "confidence": number between 0 and 1
}`;

/**
 * The JSON answer an executor asks its agents for: the schema the reply is parsed against and
 * the description of its shape shown to the model. The default of the executors is
 * {@link AGENT_ANSWER}; pass another to have agents answer in your own shape, e.g. the files of a
 * test writer.
 *
 * @example
 * ```ts
 * const filesAnswer: AnswerFormat = {
 *   schema: z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) }),
 *   description: '{ "files": [{ "path": string, "content": string }] }',
 * };
 * const executor = createModelExecutor({ provider: 'anthropic', answerFormat: filesAnswer });
 * ```
 */
export interface AnswerFormat<Answer extends Record<string, unknown> = Record<string, unknown>> {
  /** Parses the JSON object of the reply; its issues name the offending fields. */
  schema: z.ZodType<Answer>;
  /** The JSON shape as the model should read it (a JSON-like sketch with types). */
  description: string;
}

/** The default answer format: {@link agentAnswerSchema} shown as {@link AGENT_ANSWER_FORMAT}. */
export const AGENT_ANSWER: AnswerFormat<AgentAnswer> = {
  schema: agentAnswerSchema,
  description: AGENT_ANSWER_FORMAT,
};

/** The outcome of {@link parseJsonAnswer}. */
export type ParsedJsonAnswer<Answer> =
  | { success: true; answer: Answer }
  | { success: false; error: string };

/** The outcome of {@link parseAgentAnswer}. */
export type ParsedAgentAnswer = ParsedJsonAnswer<AgentAnswer>;

/**
 * Parses a model's reply against a zod schema. Accepts bare JSON, JSON in a Markdown code fence,
 * or a JSON object surrounded by prose; anything else is a failure with the reason, naming the
 * offending fields (`files.0.path: must be a non-empty path`).
 *
 * @example
 * ```ts
 * const parsed = parseJsonAnswer('Done:\n```json\n{"files":[]}\n```', z.object({ files: z.array(z.string()) }));
 * if (parsed.success) console.log(parsed.answer.files); // []
 * ```
 */
export function parseJsonAnswer<Answer>(
  text: string,
  schema: z.ZodType<Answer>,
): ParsedJsonAnswer<Answer> {
  if (text.trim() === '') return { success: false, error: 'the answer is empty' };
  let lastError = 'the answer contains no JSON object';
  for (const candidate of jsonCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) return { success: true, answer: result.data };
    lastError = zodIssues(result.error)
      .map((issue) => `${issue.field}: ${issue.message}`)
      .join('; ');
  }
  return { success: false, error: lastError };
}

/**
 * Parses a model's reply into an {@link AgentAnswer}: {@link parseJsonAnswer} with
 * {@link agentAnswerSchema}.
 *
 * @example
 * ```ts
 * const parsed = parseAgentAnswer('```json\n{"summary":"ok","findings":[],"recommendations":[],"confidence":0.9}\n```');
 * if (parsed.success) console.log(parsed.answer.confidence); // 0.9
 * ```
 */
export function parseAgentAnswer(text: string): ParsedAgentAnswer {
  return parseJsonAnswer(text, agentAnswerSchema);
}

/**
 * The confidence an answer states: its `confidence` field when that is a number from 0 to 1,
 * else undefined (never invented).
 */
export function answerConfidence(answer: Readonly<Record<string, unknown>>): number | undefined {
  const value = answer.confidence;
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : undefined;
}

/** Candidate JSON texts, most likely first: fenced blocks, the whole text, then the outermost braces. */
function jsonCandidates(text: string): string[] {
  const candidates: string[] = [];
  for (const match of text.matchAll(/```(?:json|JSON)?\s*\n([\s\S]*?)```/g)) {
    if (match[1] !== undefined) candidates.push(match[1].trim());
  }
  candidates.push(text.trim());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(text.slice(first, last + 1));
  return candidates;
}
