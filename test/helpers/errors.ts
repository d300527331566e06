import { expect } from 'vitest';
import { HolmesConfigError } from '../../src/errors.js';

/**
 * Runs `fn` and returns the HolmesConfigError it throws; fails the test when it throws nothing or something else. The
 * checks on the error then run unconditionally, never inside a `catch` that a call that does not throw would skip.
 */
export function configError(fn: () => unknown): HolmesConfigError {
  try {
    fn();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(HolmesConfigError);
    return error as HolmesConfigError;
  }
  throw new Error('expected a HolmesConfigError, nothing was thrown');
}
