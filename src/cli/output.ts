import type { Unit } from '../analysis/calltree.js';
import { printableDeep, printableJson } from './sanitize.js';

/** A mistake in the command line (unknown option, missing argument): exit code 2, as for most Unix tools. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a command writes: stdout in text or `--json`. One helper, so every command's `--json` looks alike. */
export interface Output {
  json: boolean;
  /**
   * Writes `data` as JSON with `--json`, else the text `render` makes of it. Either way, nothing read from a dump
   * reaches the terminal raw: `render` is given a copy whose strings are made printable.
   */
  emit<T>(data: T, render: (data: T) => string): void;
}

/** The output of a command run with or without `--json`. */
export function output(json: boolean, write: (text: string) => void = (text) => process.stdout.write(text)): Output {
  return {
    json,
    emit(data, render) {
      const text = json ? printableJson(JSON.stringify(data, null, 2)) : render(printableDeep(data));
      write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

/** `1.2 MB`: SI units, as `ls -h --si` and DevTools show sizes. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const b = Math.abs(bytes);
  if (b < 1000) return `${sign}${Math.round(b)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = b / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${sign}${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`;
}

/** `1.23 s`, `45.6 ms`, `789 µs` from microseconds. */
export function formatMicros(micros: number): string {
  const m = Math.abs(micros);
  if (m >= 1e6) return `${(micros / 1e6).toFixed(2)} s`;
  if (m >= 1e3) return `${(micros / 1e3).toFixed(1)} ms`;
  return `${Math.round(micros)} µs`;
}

/** A value of a profile in its unit. */
export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(value);
    case 'microseconds':
      return formatMicros(value);
    case 'nanoseconds':
      return formatMicros(value / 1000);
    default:
      return formatCount(value);
  }
}

/** `12,345` */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

/** `+12,345` / `-3`: a change, always signed. */
export function formatDelta(delta: number, format: (value: number) => string): string {
  return delta > 0 ? `+${format(delta)}` : delta < 0 ? `-${format(-delta)}` : format(0);
}

/** `12.3%` */
export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)}%`;
}

/**
 * A plain-text table: columns padded to their widest cell, numbers right-aligned,
 * the last column left as is (names and paths may be long).
 */
export function table(headers: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => {
        if (c === cells.length - 1) return cell;
        return rightAligned[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}
