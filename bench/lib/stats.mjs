// Small statistics and formatting helpers shared by the benchmarks.

/** @typedef {ArrayLike<number> & Iterable<number>} Numbers An array or typed array of numbers. */
/** @typedef {{ length: number, reduce(f: (a: number, b: number) => number, initial: number): number }} Reducible */
/** @typedef {{ median: number, p25: number, p75: number, min: number, max: number, n: number }} Spread */

/**
 * Sorted copy (numbers ascending). Accepts arrays and typed arrays.
 * @param {Numbers} values
 */
export function sorted(values) {
  const copy = Float64Array.from(values);
  copy.sort();
  return copy;
}

/**
 * Nearest-rank percentile of an already sorted array; p in [0, 100].
 * @param {ArrayLike<number>} s
 * @param {number} p
 */
export function percentileSorted(s, p) {
  if (s.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/**
 * @param {Numbers} values
 * @param {number} p
 */
export function percentile(values, p) {
  return percentileSorted(sorted(values), p);
}

/** @param {Numbers} values */
export const median = (values) => percentile(values, 50);
/** @param {Reducible} values */
export const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
/** @param {Reducible} values */
export const min = (values) => values.reduce((a, b) => Math.min(a, b), Infinity);
/** @param {Reducible} values */
export const max = (values) => values.reduce((a, b) => Math.max(a, b), -Infinity);

/**
 * Median with quartiles, min and max: how results are reported across rounds.
 * @param {Numbers} values
 * @returns {Spread}
 */
export function spread(values) {
  const s = sorted(values);
  return {
    median: percentileSorted(s, 50),
    p25: percentileSorted(s, 25),
    p75: percentileSorted(s, 75),
    min: s[0],
    max: s[s.length - 1],
    n: s.length,
  };
}

/**
 * One variant over alternating rounds (each round `{ [variant]: run }`): the spread of a run's value, or of its
 * difference or ratio to `base` in the same round, so that drift of the machine between rounds cancels out.
 * `value` is a key of the run or a function of it.
 * @param {readonly Record<string, any>[]} rounds
 * @param {string} name
 * @param {string} [base]
 */
export function acrossRounds(rounds, name, base = 'off') {
  /** @typedef {string | ((run: any) => number)} Value */
  /** @type {(run: any, value: Value) => number} */
  const get = (run, value) => (typeof value === 'function' ? value(run) : run[value]);
  return {
    /** @param {Value} value */
    each: (value) => spread(rounds.map((r) => get(r[name], value))),
    /** @param {Value} value */
    minus: (value) => spread(rounds.map((r) => get(r[name], value) - get(r[base], value))),
    /** @param {Value} value */
    over: (value) => spread(rounds.map((r) => get(r[name], value) / get(r[base], value))),
  };
}

/**
 * Each variant's figures, `figures(acrossRounds(rounds, name, base), its runs, name)`, by name.
 * @template T
 * @param {readonly Record<string, any>[]} rounds
 * @param {readonly string[]} names
 * @param {(across: ReturnType<typeof acrossRounds>, runs: any[], name: string) => T} figures
 * @param {string} [base]
 * @returns {Record<string, T>}
 */
export function byVariant(rounds, names, figures, base = 'off') {
  return Object.fromEntries(
    names.map((name) => [
      name,
      figures(
        acrossRounds(rounds, name, base),
        rounds.map((r) => r[name]),
        name,
      ),
    ]),
  );
}

/**
 * Summary of a distribution of per-sample values.
 * @param {Numbers} values
 */
export function distribution(values) {
  const s = sorted(values);
  return {
    n: s.length,
    min: s[0],
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    p999: percentileSorted(s, 99.9),
    max: s[s.length - 1],
    mean: mean(s),
  };
}

/**
 * Rounds to `digits` significant decimals for JSON output.
 * @template T
 * @param {T} value
 * @param {number} [digits]
 * @returns {T}
 */
export function round(value, digits = 3) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return /** @type {T} */ (Math.round(value * f) / f);
}

/**
 * Deep-rounds every number in a plain object/array (for readable JSON).
 * @param {unknown} value
 * @param {number} [digits]
 * @returns {any}
 */
export function roundAll(value, digits = 3) {
  if (typeof value === 'number') return round(value, digits);
  if (Array.isArray(value)) return value.map((v) => roundAll(v, digits));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundAll(v, digits)]));
  }
  return value;
}

/**
 * `+1.23 %` style signed percent of a ratio (1.0123 → '+1.23 %').
 * @param {number} ratio
 * @param {number} [digits]
 */
export function pctOfRatio(ratio, digits = 2) {
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(digits)} %`;
}

/**
 * Formats a spread of ratios as `+0.4 % (−3.1 … +2.9 %)`.
 * @param {Spread} s
 * @param {number} [digits]
 */
export function ratioSpread(s, digits = 1) {
  return `${pctOfRatio(s.median, digits)} (${pctOfRatio(s.min, digits)} … ${pctOfRatio(s.max, digits)})`;
}

/**
 * A plain-text table: rows of strings, first row the header. First column left-aligned, the rest right unless `left`.
 * @param {readonly (readonly unknown[])[]} rows
 * @param {{ left?: boolean }} [options]
 */
export function table(rows, { left = false } = {}) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  /** @param {readonly unknown[]} r */
  const line = (r) =>
    r
      .map((c, i) => (i === 0 || left ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/**
 * Rotates `items` by `k` places: round k of an alternating schedule (A B C, B C A, C A B…).
 * @template T
 * @param {readonly T[]} items
 * @param {number} k
 */
export function rotate(items, k) {
  const n = items.length;
  const shift = ((k % n) + n) % n;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
