import type { AgentExecutor, Logger, StepAgent } from '@baton/core';
import type { AnswerFormat, ExecutorSetup } from '@baton/executors';

/**
 * Builds the executor of a resolved setup: `createExecutorFor` of `@baton/executors` by
 * default. Replace it to wrap or stand in for the real executors (tests, tracing).
 */
export type ExecutorFactory = (
  setup: ExecutorSetup,
  options: {
    runId?: string | undefined;
    logger?: Logger | undefined;
    answerFormat?: AnswerFormat | undefined;
    readOnly?: boolean | undefined;
  },
) => AgentExecutor<StepAgent>;
