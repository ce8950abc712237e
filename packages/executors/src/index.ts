export {
  AGENT_ANSWER,
  AGENT_ANSWER_FORMAT,
  type AgentAnswer,
  type AnswerFormat,
  agentAnswerSchema,
  answerConfidence,
  type Finding,
  type FindingLocation,
  type FindingSeverity,
  findingLocationSchema,
  findingSchema,
  findingSeveritySchema,
  type ParsedAgentAnswer,
  type ParsedJsonAnswer,
  parseAgentAnswer,
  parseJsonAnswer,
} from './agent-answer.js';
export {
  AGENT_CLI_SPECS,
  AGENT_CLIS,
  type AgentCliName,
  type AgentCliSpec,
  type CliReply,
  detectAvailableClis,
  findExecutable,
  parseAgentCliChain,
  parseClaudeOutput,
  parseCodexOutput,
  parseGeminiOutput,
} from './agent-cli.js';
export {
  type AgentPrompt,
  type BuildAgentPromptOptions,
  buildAgentPrompt,
  type RunnableAgent,
} from './agent-prompt.js';
export {
  type CliConfig,
  type CliConfigSection,
  cliConfigSectionSchema,
  resolveCliConfig,
} from './cli-config.js';
export {
  type CliAgentOutput,
  type CliAttempt,
  type CliExecutorOptions,
  type CliValidation,
  createCliExecutor,
  createRunId,
} from './cli-executor.js';
export {
  type AgentLaunch,
  type CreateExecutorOptions,
  createExecutorFor,
  describeLaunch,
  type ExecutorSelection,
  type ExecutorSetup,
  type ExecutorSpec,
  estimateFor,
  executorSpecFor,
  executorSpecFromMetadata,
  isSetupFailure,
  resolveExecutorSetup,
} from './executor-setup.js';
export type { AgentWorktree } from './git-worktree.js';
export {
  CONFIG_FILE_NAME,
  CONFIG_SECTIONS,
  configSectionLabel,
  type ModelConfig,
  type ModelConfigSection,
  modelConfigSectionSchema,
  type ResolveModelConfigOptions,
  readConfigFile,
  resolveModelConfig,
} from './model-config.js';
export {
  describeModelError,
  isRetryableModelError,
  type ModelCallDescription,
  modelErrorStatus,
  modelRetryAfterMs,
} from './model-errors.js';
export {
  createModelExecutor,
  type ModelAgentOutput,
  type ModelExecutorOptions,
} from './model-executor.js';
export {
  API_KEY_VARIABLES,
  type CreateLanguageModelOptions,
  createLanguageModel,
  DEFAULT_TIER_MODELS,
  ModelProvider,
  modelProviderSchema,
  type TierModels,
} from './model-provider.js';
export {
  createPlannerModel,
  type PlannerCall,
  type PlannerModelOptions,
  type PromptModel,
} from './planner-model.js';
export {
  DEFAULT_MODEL_PRICES,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  priceUsage,
} from './prices.js';
export { type ProcessOutcome, type RunProcessOptions, runProcess } from './process-runner.js';
export {
  IGNORED_DIRECTORIES,
  type ProjectEntry,
  type ProjectFileLimits,
  ProjectFiles,
  type ProjectFileText,
  type ProjectSearchMatch,
} from './project-files.js';
export {
  createProjectTools,
  type ProjectToolsOptions,
  type ToolCallRecord,
} from './project-tools.js';
export {
  type AgentCostForesight,
  CLI_USAGE_REPORTING,
  type CostForesight,
  type CostForesightSetup,
  foreseeCosts,
  type TierPricesInput,
  tierOutputPrices,
} from './tier-prices.js';
