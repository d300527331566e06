import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import {
  HOLMES_ERROR_CODES,
  HolmesConfigError,
  HolmesDumpDirError,
  HolmesDumpError,
  HolmesError,
  HolmesInternalError,
  HolmesReadingError,
  HolmesRecorderError,
  HolmesRequestError,
  HolmesRetentionError,
  HolmesRuntimeError,
  HolmesWatchdogError,
  type HolmesErrorCode,
} from '../../src/errors.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** One instance of every error class, with the code it must carry. */
const cases: Array<[HolmesError, HolmesErrorCode, string]> = [
  [new HolmesConfigError('cpu.abs', 'must be >= cpu.min'), 'HOLMES_CONFIG', 'HolmesConfigError'],
  [new HolmesDumpError('cpu', 'ENOSPC'), 'HOLMES_DUMP', 'HolmesDumpError'],
  [new HolmesDumpDirError('/var/holmes', new Error('EACCES')), 'HOLMES_DUMP_DIR', 'HolmesDumpDirError'],
  [new HolmesReadingError('cpu', new Error('EPERM')), 'HOLMES_READING', 'HolmesReadingError'],
  [new HolmesRuntimeError(new Error('hook')), 'HOLMES_RUNTIME', 'HolmesRuntimeError'],
  [new HolmesRecorderError(new Error('addon')), 'HOLMES_RECORDER', 'HolmesRecorderError'],
  [new HolmesWatchdogError('block watchdog stopped: worker died'), 'HOLMES_WATCHDOG', 'HolmesWatchdogError'],
  [new HolmesRetentionError(new Error('EACCES')), 'HOLMES_RETENTION', 'HolmesRetentionError'],
  [new HolmesRequestError('not its owner'), 'HOLMES_REQUEST', 'HolmesRequestError'],
  [new HolmesInternalError(new Error('bug')), 'HOLMES_INTERNAL', 'HolmesInternalError'],
];

describe('errors', () => {
  it.each(cases)('%s carries its code and name, and is a HolmesError', (error, code, name) => {
    expect(error).toBeInstanceOf(HolmesError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(/^holmes-node: /);
    // exported from the package, so users can match on the class as well as the code
    expect((api as Record<string, unknown>)[name]).toBe(error.constructor);
  });

  it('has one class for every code, and no code without a class', () => {
    expect(cases.map(([, code]) => code).sort()).toEqual([...HOLMES_ERROR_CODES].sort());
  });

  it('keeps the cause', () => {
    const cause = new Error('EACCES');
    expect(new HolmesDumpDirError('/d', cause).cause).toBe(cause);
    expect(new HolmesDumpError('cpu', 'x', cause).cause).toBe(cause);
  });

  it.each([...HOLMES_ERROR_CODES])('README documents %s', (code) => {
    const section = README.slice(README.indexOf('## Errors'));
    expect(README).toContain('## Errors');
    // a row of the errors table: | `CODE` | class | meaning |
    expect(section).toMatch(new RegExp(`^\\| \`${code}\` \\| .+ \\| .{20,} \\|$`, 'm'));
  });
});
