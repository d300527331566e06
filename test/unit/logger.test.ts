import { describe, expect, it } from 'vitest';
import { HolmesDumpError } from '../../src/errors.js';
import { isObjectFirst, safeLogger } from '../../src/logger.js';

/** Shaped like pino: methods on a prototype that use `this`, object first. */
class PinoLike {
  readonly lines: Array<[unknown, unknown]> = [];
  child(): this {
    return this;
  }
  bindings(): object {
    return {};
  }
  info(first: unknown, second?: unknown): void {
    this.lines.push([first, second]);
  }
  warn(first: unknown, second?: unknown): void {
    this.lines.push([first, second]);
  }
  error(first: unknown, second?: unknown): void {
    this.lines.push([first, second]);
  }
}

describe('safeLogger', () => {
  it('gives a plain console-like logger the message only, fields or not', () => {
    const lines: unknown[][] = [];
    const plain = { info: (...args: unknown[]) => lines.push(args), warn: () => {}, error: () => {} };
    expect(isObjectFirst(plain)).toBe(false);
    safeLogger(plain).info('wrote x', { kind: 'cpu' });
    safeLogger(plain).info('watching');
    expect(lines).toEqual([['holmes-node: wrote x'], ['holmes-node: watching']]);
    expect(isObjectFirst(console)).toBe(false);
  });

  it("says holmes-node once for an error's message, which carries the name already", () => {
    const lines: unknown[][] = [];
    const plain = { info: () => {}, warn: () => {}, error: (...args: unknown[]) => lines.push(args) };
    safeLogger(plain).error(new HolmesDumpError('heapsnapshot', 'no room').message);
    expect(lines).toEqual([['holmes-node: heapsnapshot dump failed: no room']]);
  });

  it('gives a pino-style logger the fields first, then the message, called as a method', () => {
    const pino = new PinoLike();
    expect(isObjectFirst(pino)).toBe(true);
    const logger = safeLogger(pino);
    logger.info('wrote x', { kind: 'cpu', culprit: { text: 'burn (a.js:1) 90%' } });
    logger.warn('no fields');
    expect(pino.lines).toEqual([
      [{ kind: 'cpu', culprit: { text: 'burn (a.js:1) 90%' } }, 'holmes-node: wrote x'],
      ['holmes-node: no fields', undefined],
    ]);
    // bunyan's shape: child() and a fields object
    const bunyan = { ...silent(), child: () => {}, fields: {} };
    expect(isObjectFirst(bunyan)).toBe(true);
  });

  it('contains a logger that throws, and a getter that throws', () => {
    const throwing = {
      info: () => {
        throw new Error('x');
      },
      warn: () => {},
      error: () => {},
    };
    expect(() => safeLogger(throwing).info('m', { a: 1 })).not.toThrow();
    const hostile = Object.defineProperty(silent(), 'child', {
      get: () => {
        throw new Error('y');
      },
    });
    expect(isObjectFirst(hostile)).toBe(false);
  });
});

function silent() {
  return { info: () => {}, warn: () => {}, error: () => {} };
}
