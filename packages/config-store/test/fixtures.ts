import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Agent, Logger } from '@baton/core';

/** A valid agent as an execution plan holds it. */
export function makeAgent(overrides: Partial<Agent> = {}): Agent {
  return {
    id: 'code_reviewer',
    templateId: 'code_reviewer',
    role: 'Code Reviewer',
    tier: 'CAPABLE',
    instructions: 'Review the change for defects.',
    capabilities: ['code_review'],
    tools: ['read_file'],
    qualityGates: {},
    resourceRequirements: { minTokens: 1000, maxTokens: 10000, timeoutSeconds: 300, memoryMb: 512 },
    ...overrides,
  };
}

/** A fresh temporary directory and a function that removes it. */
export async function temporaryDirectory(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-config-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A clock that returns the given instants in turn (the last one repeats). */
export function steppingClock(...isoTimes: string[]): () => Date {
  let index = 0;
  return () => new Date(isoTimes[Math.min(index++, isoTimes.length - 1)]!);
}

/** A logger that remembers its warnings. */
export function recordingLogger(): Logger & {
  warnings: Array<{ message: string; data?: Record<string, unknown> }>;
} {
  const warnings: Array<{ message: string; data?: Record<string, unknown> }> = [];
  const ignore = (): void => {};
  return {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (message, data) => {
      warnings.push(data === undefined ? { message } : { message, data });
    },
  };
}

/** The names in a directory, sorted. */
export async function fileNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
