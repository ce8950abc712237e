export { type CompilablePlan, type CompilePlanOptions, compilePlan } from './compile-plan.js';
export {
  type CriticalPath,
  criticalPath,
  executionLevels,
  findCycle,
  GraphCycleError,
  type GraphNode,
  topologicalOrder,
} from './graph-algorithms.js';
export { type RenderGraphOptions, renderGraph } from './render-graph.js';
export {
  IllegalTransitionError,
  RUN_STATES,
  RUN_TRANSITIONS,
  RunState,
  RunStateMachine,
  type RunStateMachineOptions,
  RunTrigger,
  type TransitionRecord,
  type TransitionRule,
} from './state-machine.js';
export {
  createTaskGraph,
  type GraphSummary,
  type RetryPolicy,
  type RetryPolicyInput,
  retryPolicySchema,
  type StepAgent,
  type StepCondition,
  type StepFallback,
  stepAgentSchema,
  stepConditionSchema,
  stepFallbackSchema,
  stepIdSchema,
  stepLabel,
  summarizeGraph,
  type TaskGraph,
  type TaskGraphInput,
  type TaskStep,
  type TaskStepInput,
  taskGraphSchema,
  taskStepSchema,
} from './task-graph.js';
