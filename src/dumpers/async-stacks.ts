import { createHook, type AsyncHook } from 'node:async_hooks';

/** Async resource types that are not handles or requests, or live too briefly to leak. */
const IGNORED_TYPES = new Set(['PROMISE', 'TickObject', 'Microtask']);
/** Ceiling on tracked resources, so tracking itself cannot become the leak. */
export const MAX_TRACKED = 100_000;
const STACK_DEPTH = 16;

interface Tracked {
  type: string;
  stack: string;
  resource: WeakRef<object>;
}

/** Resources that share a creation stack, like one entry of a goroutine profile. */
export interface StackGroup {
  type: string;
  count: number;
  stack: string[];
}

function cleanStack(raw: string): string[] {
  return raw
    .split('\n')
    .slice(1)
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((frame) => frame && !frame.includes('node:internal/async_hooks'));
}

/**
 * Records the creation stack of every live async resource (opt-in: `handles.trackStacks`).
 * Costs one stack capture per resource created, so it stays off unless asked for.
 */
export class AsyncStackTracker {
  private readonly live = new Map<number, Tracked>();
  private hook: AsyncHook | undefined;
  /** Resources not tracked because the ceiling was reached. */
  dropped = 0;

  get active(): boolean {
    return this.hook !== undefined;
  }

  start(): void {
    if (this.hook) return;
    const live = this.live;
    const self = this;
    const callbacks = {
      init(asyncId: number, type: string, _trigger: number, resource: object) {
        if (IGNORED_TYPES.has(type)) return;
        if (live.size >= MAX_TRACKED) {
          self.dropped++;
          return;
        }
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = STACK_DEPTH;
        const holder: { stack?: string } = {};
        Error.captureStackTrace(holder, callbacks.init);
        Error.stackTraceLimit = limit;
        live.set(asyncId, { type, stack: holder.stack ?? '', resource: new WeakRef(resource) });
      },
      destroy(asyncId: number) {
        live.delete(asyncId);
      },
    };
    this.hook = createHook(callbacks);
    this.hook.enable();
  }

  stop(): void {
    this.hook?.disable();
    this.hook = undefined;
    this.live.clear();
    this.dropped = 0;
  }

  /** Live resources whose objects still exist, as [type, stack, resource]. */
  *resources(): Generator<[string, string, object]> {
    for (const [id, entry] of this.live) {
      const resource = entry.resource.deref();
      if (!resource) {
        this.live.delete(id);
        continue;
      }
      yield [entry.type, entry.stack, resource];
    }
  }

  /** Live resources grouped by type and identical creation stack, most numerous first. */
  groups(): StackGroup[] {
    const byKey = new Map<string, StackGroup>();
    for (const [type, stack] of this.resources()) {
      const key = `${type}\n${stack}`;
      const group = byKey.get(key);
      if (group) group.count++;
      else byKey.set(key, { type, count: 1, stack: cleanStack(stack) });
    }
    return [...byKey.values()].sort((a, b) => b.count - a.count);
  }
}
