import type { HandleDetail, HandlesDump } from '../dumpers/handles.js';
import { asNumber, asText } from './text.js';

/** Resources of one type, or of one type and endpoint. */
export interface HandleCount {
  type: string;
  count: number;
  percent: number;
}

/** Handles that look alike: same type and same endpoint, delay or program. */
export interface HandleGroup {
  type: string;
  /** `-> 10.0.0.7:5432`, `listening :::8080`, `every 1000 ms`… empty when nothing tells them apart. */
  detail: string;
  count: number;
}

/** Live resources created from one stack. */
export interface StackCount {
  type: string;
  count: number;
  /** Innermost first, up to a few frames of the program's own code. */
  stack: string[];
}

/** What `holmes-node show` reports of a `.handles.json`. */
export interface HandlesSummary {
  total: number;
  byType: HandleCount[];
  /** Handles listed one by one in the file (at most 10,000). */
  listed: number;
  truncated: boolean;
  /** Resources whose stack was not recorded because the tracker was full. */
  untracked: number;
  groups: HandleGroup[];
  /** Null when creation stacks were not recorded (`handles.trackStacks` off). */
  stacks: StackCount[] | null;
}

/** Whether `value` has the shape of a holmes-node `.handles.json`. */
export function isHandlesDump(value: unknown): value is HandlesDump {
  const d = value as HandlesDump | null;
  return (
    !!d &&
    typeof d === 'object' &&
    typeof d.total === 'number' &&
    !!d.byType &&
    typeof d.byType === 'object' &&
    !Array.isArray(d.byType) &&
    Array.isArray(d.handles) &&
    (d.stacks === null || d.stacks === undefined || Array.isArray(d.stacks))
  );
}

function endpoint(address: unknown, port: unknown): string {
  if (address === undefined && port === undefined) return '';
  return `${asText(address)}:${asText(port)}`;
}

/** What tells a handle apart from others of its type, for grouping. */
export function describeDetail(handle: HandleDetail): string {
  if (handle.listening !== undefined) return `listening ${endpoint(handle.address, handle.port)}`.trim();
  if (handle.remoteAddress !== undefined || handle.remotePort !== undefined) return `-> ${endpoint(handle.remoteAddress, handle.remotePort)}`;
  if (handle.type === 'Timeout' && handle.delay !== undefined)
    return `${handle.repeat ? 'every' : 'after'} ${asText(handle.delay)} ms${handle.ref === false ? ', unref' : ''}`;
  if (handle.spawnfile !== undefined) return asText(handle.spawnfile);
  if (handle.hostname !== undefined) return `${asText(handle.syscall)} ${asText(handle.hostname)}`.trim();
  if (handle.native !== undefined) return asText(handle.native);
  return '';
}

const MAX_PROGRAM_FRAMES = 3;
const MAX_FRAMES = 10;

/** The frames worth reading: up to the first few that are not Node's own. */
function trimStack(stack: string[]): string[] {
  const kept: string[] = [];
  let program = 0;
  for (const frame of stack) {
    if (kept.length >= MAX_FRAMES || program >= MAX_PROGRAM_FRAMES) break;
    kept.push(frame);
    if (!frame.includes('node:') && !frame.includes('(native)')) program++;
  }
  return kept;
}

/** Counts by type, look-alike groups and the most common creation stacks, `top` rows each. */
export function summarizeHandles(dump: HandlesDump, top: number): HandlesSummary {
  const total = asNumber(dump.total) || Object.values(dump.byType).reduce((a: number, b) => a + asNumber(b), 0);
  const byType = Object.entries(dump.byType)
    .map(([type, count]) => ({ type, count: asNumber(count), percent: total > 0 ? (100 * asNumber(count)) / total : 0 }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
  const groups = new Map<string, HandleGroup>();
  for (const handle of dump.handles) {
    if (!handle || typeof handle !== 'object') continue;
    const type = asText(handle.type) || 'unknown';
    const detail = describeDetail(handle);
    const key = `${type}\u0000${detail}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { type, detail, count: 1 });
  }
  const stacks = Array.isArray(dump.stacks)
    ? dump.stacks
        .filter((s) => s && typeof s === 'object')
        .map((s) => ({ type: asText(s.type), count: asNumber(s.count), stack: trimStack(Array.isArray(s.stack) ? s.stack.map(asText) : []) }))
        .sort((a, b) => b.count - a.count)
        .slice(0, top)
    : null;
  return {
    total,
    byType: byType.slice(0, top),
    listed: dump.handles.length,
    truncated: !!dump.truncated,
    untracked: asNumber(dump.untracked),
    groups: [...groups.values()].sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)).slice(0, top),
    stacks,
  };
}
