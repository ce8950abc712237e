import { describeError, type Logger, noopLogger } from '@baton/core';
import { type ToolSet, tool } from 'ai';
import { z } from 'zod';
import { type ProjectFileLimits, ProjectFiles } from './project-files.js';

/** One tool call an agent made, as logged and reported. */
export interface ToolCallRecord {
  /** Tool name: `list_files`, `read_file` or `search_text`. */
  tool: string;
  /** The arguments the model passed. */
  input: unknown;
  /** Whether the tool answered (false: refused or failed, the model was told why). */
  ok: boolean;
  /** Why it failed. */
  error?: string;
  /** Wall time in milliseconds. */
  durationMs: number;
}

/** Options for {@link createProjectTools}. */
export interface ProjectToolsOptions extends ProjectFileLimits {
  /** The directory the tools may read; nothing outside it is reachable. */
  projectRoot: string;
  /** Receives one `info` entry per tool call. */
  logger?: Logger;
  /** Agent id added to log entries. */
  agentId?: string;
  /** Every call is appended here as well. */
  calls?: ToolCallRecord[];
}

/**
 * Read-only AI SDK tools over one project: `list_files`, `read_file` (whole file or a line range)
 * and `search_text`, confined to the project directory (no path outside it, no symlink escape)
 * and size-limited. A refused or failed call returns `{ error }` to the model instead of throwing.
 *
 * @example
 * ```ts
 * const tools = createProjectTools({ projectRoot: process.cwd() });
 * const result = await generateText({ model, tools, stopWhen: stepCountIs(8), prompt });
 * ```
 */
export function createProjectTools(options: ProjectToolsOptions): ToolSet {
  const { projectRoot, logger = noopLogger, agentId, calls, ...limits } = options;
  const files = new ProjectFiles(projectRoot, limits);

  const logged = <Input>(name: string, run: (input: Input) => Promise<unknown>) => {
    return async (input: Input): Promise<unknown> => {
      const started = performance.now();
      let record: ToolCallRecord;
      let answer: unknown;
      try {
        answer = await run(input);
        record = { tool: name, input, ok: true, durationMs: elapsed(started) };
      } catch (error) {
        const message = describeError(error);
        answer = { error: message };
        record = { tool: name, input, ok: false, error: message, durationMs: elapsed(started) };
      }
      calls?.push(record);
      logger.info('tool call', { ...(agentId === undefined ? {} : { agentId }), ...record });
      return answer;
    };
  };

  return {
    list_files: tool({
      description:
        'List files and directories of the project (relative paths; directories end with /). Skips .git, node_modules and .baton.',
      inputSchema: z.object({
        path: z.string().default('.').describe('Directory relative to the project root.'),
        depth: z.number().int().min(1).max(10).default(2).describe('How many levels to descend.'),
      }),
      execute: logged('list_files', (input: { path: string; depth: number }) =>
        files.list(input.path, { depth: input.depth }),
      ),
    }),
    read_file: tool({
      description:
        'Read a text file of the project, or a 1-based inclusive line range of it. Large files: read a range.',
      inputSchema: z.object({
        path: z.string().describe('File path relative to the project root.'),
        startLine: z.number().int().min(1).optional().describe('First line (1-based).'),
        endLine: z.number().int().min(1).optional().describe('Last line (inclusive).'),
      }),
      execute: logged(
        'read_file',
        (input: { path: string; startLine?: number | undefined; endLine?: number | undefined }) =>
          files.read(input.path, {
            ...(input.startLine === undefined ? {} : { startLine: input.startLine }),
            ...(input.endLine === undefined ? {} : { endLine: input.endLine }),
          }),
      ),
    }),
    search_text: tool({
      description:
        'Search the text files of the project for a string (or a regular expression); returns file, line and text of each match.',
      inputSchema: z.object({
        query: z.string().min(1).describe('Text to find (case-insensitive unless caseSensitive).'),
        path: z.string().default('.').describe('Directory or file to search in.'),
        regex: z.boolean().default(false).describe('Treat the query as a regular expression.'),
        caseSensitive: z.boolean().default(false),
      }),
      execute: logged(
        'search_text',
        (input: { query: string; path: string; regex: boolean; caseSensitive: boolean }) =>
          files.search(input.query, {
            path: input.path,
            regex: input.regex,
            caseSensitive: input.caseSensitive,
          }),
      ),
    }),
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
