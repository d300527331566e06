export { Holmes } from './holmes.js';
export type { SeriesReading } from './holmes.js';
export type { DumpEvent, DumpKind, SkipEvent, HolmesEvents } from './events.js';
export { ON_DEMAND_KINDS } from './ondemand/kinds.js';
export type { OnDemandKind } from './ondemand/kinds.js';
export {
  HOLMES_ERROR_CODES,
  HolmesError,
  HolmesConfigError,
  HolmesDumpError,
  HolmesDumpDirError,
  HolmesReadingError,
  HolmesRuntimeError,
  HolmesRecorderError,
  HolmesWatchdogError,
  HolmesRetentionError,
  HolmesRequestError,
  HolmesInternalError,
} from './errors.js';
export type { HolmesErrorCode } from './errors.js';
export { DEFAULTS, defaultDumpDir } from './config/options.js';
export type { HolmesOptions, HolmesUpdate, ResolvedConfig, GlobalOptions, LimitsOptions, DumpSignal } from './config/options.js';
export type { Milliseconds, Percent, ProfileFormat } from './config/spec.js';
export { RULE_NAMES } from './rules/registry.js';
export type { RuleName, RuleOptionsOf, RuleConfigs } from './rules/registry.js';
export type { RuleOptions } from './rules/define.js';
export type { CpuRuleOptions } from './rules/cpu.js';
export type { MemoryRuleOptions } from './rules/memory.js';
export type { HandlesRuleOptions } from './rules/handles.js';
export type { Logger } from './logger.js';
export type { DumpMeta, FireReason, ThresholdReason, BlockReason, ManualReason, Trigger } from './sinks/meta.js';
export type { Limits } from './sources/limits.js';
export type { HandlesDump, HandleDetail } from './dumpers/handles.js';
export type { StackGroup } from './dumpers/async-stacks.js';
export type { Culprit, Suspect } from './dumpers/culprit.js';
