import type { AgentConfiguration, ConfigurationStore } from '@baton/config-store';
import type { Logger } from '@baton/core';
import { type CompositionToRecord, recordCompositionOutcome } from './composition-learning.js';
import type { CompositionRecord } from './release-readiness-report.js';

/**
 * Records a workflow run's outcome on its composition (task pattern and team) and says what was
 * recorded for the report: the composition's standing before this run and the quality score, or
 * why recording failed (logged as a warning; the verdict is unaffected).
 */
export async function recordWorkflowComposition(options: {
  store: ConfigurationStore;
  composition: CompositionToRecord;
  outcome: { success: boolean; qualityScore: number };
  /** The stored composition the team was reused from, if any. */
  reused?: AgentConfiguration | undefined;
  /** The workflow in words, for the warning (e.g. `the release check`). */
  what: string;
  signal?: AbortSignal | undefined;
  logger: Logger;
}): Promise<CompositionRecord> {
  const { composition, outcome, reused } = options;
  const recorded = await recordCompositionOutcome({
    store: options.store,
    composition,
    outcome,
    signal: options.signal,
  });
  // Its record before this run: as read now, or (store unreadable) as it was when reused.
  const previous = recorded.previous === undefined ? reused : recorded.previous;
  const used = previous !== undefined && previous !== null && previous.usageCount > 0;
  const record: CompositionRecord = {
    id: composition.compositionId,
    taskPattern: composition.taskPattern,
    reused: reused !== undefined,
    previousSuccessRate: used ? previous.successRate : null,
    previousUsageCount: used ? previous.usageCount : 0,
    recordedQualityScore: recorded.recorded ? outcome.qualityScore : null,
  };
  if (!recorded.recorded) {
    record.recordError = recorded.error;
    options.logger.warn(`could not record the outcome of ${options.what}`, {
      composition: composition.compositionId,
      error: record.recordError,
    });
  }
  return record;
}

/** The percentage of gates that passed (two decimals); 0 without gates. */
export function gatesPassedScore(gates: ReadonlyArray<{ passed: boolean }>): number {
  if (gates.length === 0) return 0;
  const passed = gates.filter((gate) => gate.passed).length;
  return Math.round((passed / gates.length) * 10000) / 100;
}
