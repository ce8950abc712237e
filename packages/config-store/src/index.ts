export {
  AgentConfiguration,
  type AgentConfigurationData,
  type AgentConfigurationInit,
  type AgentConfigurationJSON,
  type AgentConfigurationOptions,
  agentConfigurationSchema,
  type Clock,
  QUALITY_SCORE_WEIGHT,
} from './agent-configuration.js';
export {
  AGENT_COMPOSITION_PATTERN_TYPE,
  compositionPattern,
  PATTERN_THRESHOLDS,
  patternIdForComposition,
  qualifiesForPattern,
} from './composition-pattern.js';
export {
  ConfigurationStore,
  type ConfigurationStoreOptions,
  type Outcome,
  type SearchFilters,
  type StoreCallOptions,
  searchFiltersSchema,
} from './configuration-store.js';
export { DEFAULT_LOCK_OPTIONS, type LockOptions } from './file-lock.js';
export {
  type Pattern,
  type PatternFilter,
  type PatternInput,
  PatternLibrary,
  type PatternLibraryCallOptions,
  type PatternLibraryOptions,
  patternSchema,
} from './pattern-library.js';
export { assertValidId, type IdCheckOptions, idProblem, MAX_ID_BYTES } from './record-id.js';
