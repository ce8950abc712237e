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

/** The outcome of {@link parseAgentAnswer}. */
export type ParsedAgentAnswer =
  | { success: true; answer: AgentAnswer }
  | { success: false; error: string };

/**
 * Parses a model's reply into an {@link AgentAnswer}. Accepts bare JSON, JSON in a Markdown code
 * fence, or a JSON object surrounded by prose; anything else is a failure with the reason.
 *
 * @example
 * ```ts
 * const parsed = parseAgentAnswer('```json\n{"summary":"ok","findings":[],"recommendations":[],"confidence":0.9}\n```');
 * if (parsed.success) console.log(parsed.answer.confidence); // 0.9
 * ```
 */
export function parseAgentAnswer(text: string): ParsedAgentAnswer {
  if (text.trim() === '') return { success: false, error: 'the answer is empty' };
  let lastError = 'the answer contains no JSON object';
  for (const candidate of jsonCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const result = agentAnswerSchema.safeParse(value);
    if (result.success) return { success: true, answer: result.data };
    lastError = zodIssues(result.error)
      .map((issue) => `${issue.field}: ${issue.message}`)
      .join('; ');
  }
  return { success: false, error: lastError };
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
