import { describe, expect, it } from 'vitest';
import { formatOf } from '../../src/analysis/load.js';
import { lsCommand } from '../../src/cli/ls.js';
import { DEFAULTS, resolveOptions } from '../../src/config/options.js';
import type { NumberSpec, OptionSpec } from '../../src/config/spec.js';
import { RULE_NAMES, SAMPLED_RULES, UNITS, WATCH_RULES, sectionSpecs } from '../../src/rules/registry.js';
import { RULES } from '../../src/rules/table.js';
import { FORMATS } from '../../src/sinks/formats.js';
import { configError } from '../helpers/errors.js';

/** Everything below is derived from the table: a new rule's file and table line are all these need. */
describe('the rule table', () => {
  it('holds the six sampled rules, each watching the series of its name, and the block watchdog in the eventLoop section', () => {
    // in table order; a rule added to the table may sit anywhere between them
    const names = RULES.map((rule) => rule.name);
    const known = ['cpu', 'memory', 'handles', 'eventLoop', 'heap', 'gc', 'block'];
    expect(names.filter((name) => known.includes(name))).toEqual(known);
    expect(new Set(names).size).toBe(names.length);
    expect(RULE_NAMES).toEqual(SAMPLED_RULES.map((rule) => rule.name));
    for (const rule of SAMPLED_RULES) expect(rule.section).toBe(rule.name);
    expect(WATCH_RULES.map((rule) => `${rule.name} in ${rule.section}`)).toContain('block in eventLoop');
    for (const rule of RULES) expect(RULE_NAMES).toContain(rule.section);
  });

  it.each(RULES.map((rule) => [rule.name, rule] as const))('%s declares its description, options and the formats of its dumps', (_name, rule) => {
    expect(rule.description.length).toBeGreaterThan(20);
    expect(rule.formats.length).toBeGreaterThan(0);
    for (const format of rule.formats) {
      expect(FORMATS[format]).toBeDefined();
      // the CLI knows each format by the extension the table declares
      expect(formatOf(`cpu-20261129T000000.000Z-1.${FORMATS[format].extension}`)).toBe(format);
    }
  });

  it.each(SAMPLED_RULES.map((rule) => [rule.name, rule] as const))('%s: DEFAULTS, validation and units come from its declaration', (name, rule) => {
    const specs = sectionSpecs(name);
    const defaults = DEFAULTS[name] as unknown as Record<string, unknown>;
    expect(defaults).toMatchObject({ enabled: true, ...rule.thresholds });
    for (const other of RULES.filter((r) => r.section === name)) {
      for (const [key, spec] of Object.entries(other.options as Record<string, OptionSpec>)) {
        expect(defaults[key], `${name}.${key}`).toBe(spec.default);
        expect(specs[key]).toBe(spec);
      }
    }
    expect(UNITS[name]).toBe(rule.unit);
  });

  it.each(
    RULES.flatMap((rule) =>
      Object.entries(rule.options as Record<string, OptionSpec>)
        .filter(([, spec]) => spec.type === 'number')
        .map(([key, spec]) => [`${rule.section}.${key}`, rule.section, key, spec as NumberSpec] as const),
    ),
  )('%s is validated against its declared range and unit', (path, section, key, spec) => {
    expect(resolveOptions({ [section]: { [key]: spec.max } })[section]).toMatchObject({ [key]: spec.max });
    const error = configError(() => resolveOptions({ [section]: { [key]: spec.max + 1 } }));
    expect(error.option).toBe(path);
    expect(error.message).toContain(`to ${spec.max}`);
  });

  it("the CLI's `ls --help` lists every kind with what its rules dump", () => {
    for (const rule of RULES) {
      expect(lsCommand.help).toContain(rule.description);
      expect(lsCommand.help).toMatch(new RegExp(`^  ${rule.section} `, 'm'));
    }
  });
});
