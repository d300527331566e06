/**
 * A value read from a dump as text: strings as they are, numbers and booleans written out, anything else (an object
 * where a name was expected, in a damaged or planted file) as JSON, so it prints instead of throwing.
 */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '(unprintable)';
  }
}

/** A value read from a dump as a finite number, else `fallback`. */
export function asNumber(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * Whether a parsed JSON value nests deeper than `limit` arrays and objects. Iterative: the value may be the
 * 100,000-deep nesting a planted file holds, which would overflow the stack of anything recursive (JSON.stringify too).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
