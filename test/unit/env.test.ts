import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvConfigError, envName, envOptions, explainConfigError, readEnvConfig } from '../../src/config/env.js';
import { resolveOptions } from '../../src/config/options.js';
import { tempDir } from '../helpers/child.js';
import { configError } from '../helpers/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows between the README's env-table markers. */
function readmeTable(): string[] {
  const start = readme.indexOf('<!-- env-table:start -->');
  const end = readme.indexOf('<!-- env-table:end -->');
  return readme
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| `'));
}

describe('configuration from the environment', () => {
  it('names every option one way: HOLMES_ and its path in upper snake case', () => {
    expect(envName(['dumpDir'])).toBe('HOLMES_DUMP_DIR');
    expect(envName(['eventLoop', 'block'])).toBe('HOLMES_EVENT_LOOP_BLOCK');
    expect(envName(['maxDumpsPerHour'])).toBe('HOLMES_MAX_DUMPS_PER_HOUR');
    expect(envName(['limits', 'cpuCores'])).toBe('HOLMES_LIMITS_CPU_CORES');
    const names = envOptions().map((entry) => entry.variable);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['HOLMES_INTERVAL', 'HOLMES_CPU_ABS', 'HOLMES_MEMORY_DIFF', 'HOLMES_SIGNAL', 'HOLMES_HEAP_MAX_SNAPSHOT_HEAP']) {
      expect(names).toContain(name);
    }
  });

  it('documents every variable in the README table, and nothing else', () => {
    const expected = envOptions().map((entry) => `| \`${entry.variable}\` | \`${entry.option}\` | ${entry.type} |`);
    expect(readmeTable(), `README table should be:\n${expected.join('\n')}`).toEqual(expected);
  });

  it('parses numbers, booleans and strings into the options object', () => {
    const { options, origin } = readEnvConfig({
      HOLMES_DUMP_DIR: '/tmp/x',
      HOLMES_INTERVAL: '250',
      HOLMES_CPU_ABS: '85.5',
      HOLMES_MEMORY_ENABLED: 'false',
      HOLMES_HANDLES_TRACK_STACKS: '1',
      HOLMES_SIGNAL: 'SIGUSR2',
      HOLMES_TEST_WAIT_MS: '9',
    });
    expect(options).toEqual({
      dumpDir: '/tmp/x',
      interval: 250,
      cpu: { abs: 85.5 },
      memory: { enabled: false },
      handles: { trackStacks: true },
      signal: 'SIGUSR2',
    });
    expect(origin.get('cpu.abs')).toBe('HOLMES_CPU_ABS');
    expect(resolveOptions(options).cpu.abs).toBe(85.5);
  });

  it('refuses a value that is not a plain number or boolean, and an unknown HOLMES_ variable, naming the variable', () => {
    for (const raw of ['', ' ', '0x10', '1e', 'ten']) {
      if (raw === '') continue; // an empty variable is unset
      expect(() => readEnvConfig({ HOLMES_CPU_ABS: raw })).toThrow(/^HOLMES_CPU_ABS=.*must be a decimal number \(option cpu\.abs\)$/);
    }
    expect(() => readEnvConfig({ HOLMES_CPU_ENABLED: 'yes' })).toThrow(/^HOLMES_CPU_ENABLED="yes": must be true, false, 1 or 0$/);
    expect(() => readEnvConfig({ HOLMES_INTERVALL: '5' })).toThrow(EnvConfigError);
    expect(() => readEnvConfig({ HOLMES_INTERVALL: '5' })).toThrow(/^HOLMES_INTERVALL: unknown variable/);
  });

  it('says a validation error in terms of the variable that set the option, or of the file', () => {
    const env = { HOLMES_CPU_DIFF: '-3' };
    const config = readEnvConfig(env);
    expect(
      explainConfigError(
        configError(() => resolveOptions(config.options)),
        config,
        env,
      ),
    ).toMatch(/^HOLMES_CPU_DIFF="-3": option cpu\.diff must be a finite number from 0/);

    const file = join(tempDir(), 'holmes.json');
    writeFileSync(file, JSON.stringify({ window: 0 }));
    const fromFile = readEnvConfig({ HOLMES_CONFIG: file });
    expect(
      explainConfigError(
        configError(() => resolveOptions(fromFile.options)),
        fromFile,
        { HOLMES_CONFIG: file },
      ),
    ).toBe(`HOLMES_CONFIG=${file}: option window must be an integer from 1 to 1000 (got 0)`);
  });

  it('reads HOLMES_CONFIG as a JSON object, and refuses a directory, bad JSON or an array', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ interval: 5 }');
    const array = join(dir, 'array.json');
    writeFileSync(array, '[]');
    expect(() => readEnvConfig({ HOLMES_CONFIG: dir })).toThrow(/cannot read the file: not a regular file/);
    expect(() => readEnvConfig({ HOLMES_CONFIG: bad })).toThrow(/not valid JSON/);
    expect(() => readEnvConfig({ HOLMES_CONFIG: array })).toThrow(/must hold a JSON object/);
  });
});
