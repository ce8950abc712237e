import type { StepUsageRecord, StoredSteps } from './checkpointer.js';
import type { RunEvent, StepEndEvent } from './events.js';
import type { StateProblem, StepCheckpoint } from './records.js';

/** The checkpoint a `step-end` event carries. */
export function checkpointOf(event: StepEndEvent): StepCheckpoint {
  const checkpoint: StepCheckpoint = {
    stepId: event.stepId,
    status: event.status,
    attempts: event.attempts,
    endedAt: event.endedAt,
    runAttempt: event.runAttempt,
  };
  if (event.reason !== undefined) checkpoint.reason = event.reason;
  if (event.result !== undefined) checkpoint.result = event.result;
  if (event.startedAt !== undefined) checkpoint.startedAt = event.startedAt;
  return checkpoint;
}

/**
 * What a run's stored event stream says a resume needs: the last checkpoint of each finished step
 * (`step-end` events are the checkpoints), the highest `seq`, the usage of attempts whose steps
 * have not finished, and the steps that were in flight when the stream ends. Shared by every
 * checkpointer that keeps the stream.
 */
export function foldStoredEvents(
  events: Iterable<RunEvent>,
  problems: StateProblem[] = [],
): StoredSteps {
  const steps = new Map<string, StepCheckpoint>();
  const unfinishedUsage = new Map<string, StepUsageRecord[]>();
  const started = new Set<string>();
  let lastSeq = 0;
  for (const event of events) {
    if (event.seq > lastSeq) lastSeq = event.seq;
    const stepId = event.stepId;
    if (stepId === undefined) continue;
    switch (event.type) {
      case 'step-start':
        started.add(stepId);
        break;
      case 'step-usage': {
        const list = unfinishedUsage.get(stepId) ?? [];
        list.push({
          agentId: event.agentId,
          via: event.via,
          attempt: event.attempt,
          usage: event.usage,
        });
        unfinishedUsage.set(stepId, list);
        break;
      }
      case 'step-end':
        steps.set(stepId, checkpointOf(event));
        started.delete(stepId);
        unfinishedUsage.delete(stepId);
        break;
      case 'decision-pending':
        // The decision keeps the step's attempts so far (and their usage).
        started.delete(stepId);
        unfinishedUsage.delete(stepId);
        break;
      default:
        break;
    }
  }
  return { steps, lastSeq, unfinishedUsage, inFlight: [...started], problems };
}
