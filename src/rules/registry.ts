import { numberOption, type NumberSpec, type OptionSpec, type OptionSpecs } from '../config/spec.js';
import type { RuleOptions, SampledRule, Source, WatchRule } from './define.js';
import { RULES } from './table.js';

/** What the rest of holmes-node derives from the rule table: names, option types, specs, units. */

type AnyRule = (typeof RULES)[number];
type AnySampledRule = Extract<AnyRule, { trigger: 'sampled' }>;
type AnyWatchRule = Extract<AnyRule, { trigger: 'watch' }>;

/** The sampled rules, each watching the series of the same name; also the option sections and the dump kinds. */
export type RuleName = AnySampledRule['name'];

type ExtraOf<R> = R extends SampledRule<string, infer E, infer _S> ? E : R extends WatchRule<string, string, infer E> ? E : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The options of one rule section: the thresholds plus the options every rule of that section declares. */
export type RuleOptionsOf<N extends RuleName> = RuleOptions & UnionToIntersection<ExtraOf<Extract<AnyRule, { section: N }>>>;

/** Every section's options, resolved. */
export type RuleConfigs = { [N in RuleName]: RuleOptionsOf<N> };

/** A sampled rule of the table, its types erased to what the pipeline needs. */
export type AnySampled = SampledRule<RuleName, unknown, Source<never>>;
/** A watch rule of the table, its types erased to what the pipeline needs. */
export type AnyWatch = WatchRule<string, RuleName, unknown>;

const isSampled = (rule: AnyRule): rule is AnySampledRule => rule.trigger === 'sampled';
const isWatch = (rule: AnyRule): rule is AnyWatchRule => rule.trigger === 'watch';

export const SAMPLED_RULES = RULES.filter(isSampled) as unknown as readonly AnySampled[];
export const WATCH_RULES = RULES.filter(isWatch) as unknown as readonly AnyWatch[];

/** The sampled rules' names, in table order. */
export const RULE_NAMES: readonly RuleName[] = SAMPLED_RULES.map((rule) => rule.name);

/** Thresholds allowed for every rule. */
const THRESHOLD = numberOption(0, 0, 1e9, 'reading');
/** A per-rule cooldown; none by default (the global one applies). */
export const RULE_COOLDOWN: NumberSpec = numberOption(0, 0, 7 * 86_400_000, 'ms');

/** The keys every section has, in the order error messages list them. */
export const THRESHOLD_KEYS = ['enabled', 'min', 'diff', 'abs', 'cooldown'] as const;

/** Every option spec of one section (thresholds with the rule's own defaults, then each rule's options). */
export function sectionSpecs(name: RuleName): Readonly<Record<string, OptionSpec>> {
  return SECTION_SPECS[name];
}

const SECTION_SPECS = Object.fromEntries(
  SAMPLED_RULES.map((rule) => {
    const specs: Record<string, OptionSpec> = {
      enabled: { type: 'boolean', default: true },
      min: { ...THRESHOLD, default: rule.thresholds.min },
      diff: { ...THRESHOLD, default: rule.thresholds.diff, unit: '%' },
      abs: { ...THRESHOLD, default: rule.thresholds.abs },
      cooldown: RULE_COOLDOWN,
    };
    for (const other of RULES) {
      if (other.section === rule.name) Object.assign(specs, other.options as OptionSpecs<unknown>);
    }
    return [rule.name, specs];
  }),
) as Record<RuleName, Record<string, OptionSpec>>;

const BY_NAME = Object.fromEntries(SAMPLED_RULES.map((rule) => [rule.name, rule])) as Record<RuleName, AnySampled>;

/** The sampled rule of a name. */
export function ruleOf(name: RuleName): AnySampled {
  return BY_NAME[name];
}

/** Unit of each series, for people reading a reason. */
export const UNITS = Object.fromEntries(SAMPLED_RULES.map((rule) => [rule.name, rule.unit])) as Record<RuleName, string>;
