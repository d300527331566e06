import { activeResourcesByType } from '../sources/handles.js';
import type { AsyncStackTracker, StackGroup } from './async-stacks.js';

/** Most resources listed one by one; the counts by type always cover all of them. */
export const MAX_LISTED = 10_000;

/** What can be said of one live handle or request. */
export interface HandleDetail {
  /** The JavaScript class (`Socket`, `Server`, `Timeout`, `ChildProcess`…) or the async resource type. */
  type: string;
  [field: string]: string | number | boolean | null | undefined;
}

/** The `.handles.json` file: an async-resource profile. */
export interface HandlesDump {
  total: number;
  /** Count by resource type as `process.getActiveResourcesInfo()` names them. */
  byType: Record<string, number>;
  /** Live handles and requests with their details, at most {@link MAX_LISTED}. */
  handles: HandleDetail[];
  truncated: boolean;
  /** Creation stacks grouped and counted, when `trackStacks` is on; null otherwise. */
  stacks: StackGroup[] | null;
  /** Resources not tracked because the tracker's ceiling was reached. */
  untracked?: number;
}

type Internals = { _getActiveHandles?: () => object[]; _getActiveRequests?: () => object[] };

function pick(target: Record<string, unknown>, source: object, keys: readonly string[]): void {
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') {
      target[key] = value as string | number | boolean;
    }
  }
}

/** Details of a handle from `process._getActiveHandles()`: sockets, servers, pipes, child processes… */
export function describeHandle(handle: object): HandleDetail {
  const detail: HandleDetail = { type: handle.constructor?.name ?? 'Object' };
  try {
    const native = (handle as { _handle?: { constructor?: { name?: string }; fd?: number } })._handle;
    if (native?.constructor?.name) detail.native = native.constructor.name;
    if (typeof native?.fd === 'number' && native.fd >= 0) detail.fd = native.fd;
    pick(detail, handle, ['localAddress', 'localPort', 'remoteAddress', 'remotePort', 'remoteFamily', 'pid', 'spawnfile', 'connecting', 'pending']);
    const server = handle as { address?: () => unknown; listening?: boolean };
    if (typeof server.address === 'function' && server.listening !== undefined) {
      const address = server.address();
      detail.listening = server.listening;
      if (typeof address === 'string') detail.address = address;
      else if (address && typeof address === 'object') pick(detail, address, ['address', 'port', 'family']);
    }
  } catch {
    // a half-closed handle may throw from a getter; what was read so far stands
  }
  return detail;
}

/** Details of a timer: its delay and whether it repeats. */
export function describeTimer(timer: object): HandleDetail {
  const t = timer as { _idleTimeout?: number; _repeat?: number | null; hasRef?: () => boolean; _destroyed?: boolean };
  return {
    type: 'Timeout',
    delay: t._idleTimeout,
    repeat: t._repeat != null,
    ref: typeof t.hasRef === 'function' ? t.hasRef() : undefined,
  };
}

/** Details of a request (`FSReqCallback`, `GetAddrInfoReqWrap`…). */
function describeRequest(request: object): HandleDetail {
  const detail: HandleDetail = { type: request.constructor?.name ?? 'Request' };
  pick(detail, request, ['hostname', 'port', 'syscall']);
  return detail;
}

/** Collects the async-resource profile. Uses Node's internal lists for details, guarded: they may vanish in a future Node. */
export function collectHandles(tracker?: AsyncStackTracker): HandlesDump {
  const byType = activeResourcesByType();
  const total = Object.values(byType).reduce((a, b) => a + b, 0);
  const handles: HandleDetail[] = [];
  const internals = process as unknown as Internals;
  const add = (detail: HandleDetail) => {
    if (handles.length < MAX_LISTED) handles.push(detail);
  };
  try {
    for (const handle of internals._getActiveHandles?.() ?? []) add(describeHandle(handle));
    for (const request of internals._getActiveRequests?.() ?? []) add(describeRequest(request));
  } catch {
    // internals unavailable: counts by type still stand
  }
  if (tracker?.active) {
    for (const [type, , resource] of tracker.resources()) {
      if (type === 'Timeout') add(describeTimer(resource));
    }
  }
  const dump: HandlesDump = {
    total,
    byType,
    handles,
    truncated: handles.length >= MAX_LISTED,
    stacks: tracker?.active ? tracker.groups() : null,
  };
  if (tracker?.dropped) dump.untracked = tracker.dropped;
  return dump;
}
