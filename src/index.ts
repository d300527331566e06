export { Holmes } from './holmes.js';
export type { DumpEvent, SkipEvent, HolmesEvents, SeriesReading } from './holmes.js';
export { HolmesError, HolmesConfigError, HolmesDumpError } from './errors.js';
export { DEFAULTS, defaultDumpDir, RULE_NAMES } from './options.js';
export type {
  HolmesOptions, HolmesUpdate, ResolvedConfig, RuleName, RuleOptions, CpuRuleOptions, MemoryRuleOptions,
  HandlesRuleOptions, LimitsOptions, Milliseconds, Percent,
} from './options.js';
export type { Logger } from './logger.js';
export type { DumpMeta, FireReason } from './meta.js';
export type { Trigger } from './rules/rule.js';
export type { Limits } from './sources/limits.js';
export type { HandlesDump, HandleDetail } from './dumpers/handles.js';
export type { StackGroup } from './dumpers/async-stacks.js';
