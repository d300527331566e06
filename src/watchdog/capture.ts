import type { InspectorLink } from './link.js';
import type { RawCallFrame, StackFrame } from './protocol.js';

/** The watched thread did not answer the inspector in time: it is blocked outside JavaScript (a system call, an addon, a long GC). */
export class NoAnswer extends Error {
  constructor(
    readonly timeoutMs: number,
    who = 'the main thread',
  ) {
    super(`${who} did not answer the inspector within ${timeoutMs} ms (blocked outside JavaScript: a synchronous system call, an addon or a long GC)`);
    this.name = 'NoAnswer';
  }
}

export interface PausedStack {
  callFrames: RawCallFrame[];
  /** `performance.now()` of the worker when the `Debugger.paused` event arrived. */
  pausedAt: number;
  /** What `whilePaused` returned: read while the main thread was stopped. */
  checked: boolean;
  /**
   * The main thread was already paused by another inspector session (a developer at a breakpoint): its stack was
   * copied, but it was left paused for that session to resume.
   */
  foreign: boolean;
}

interface ProtocolFrame {
  callFrameId: string;
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
  functionLocation?: { scriptId: string; lineNumber: number; columnNumber?: number };
}

function post(session: InspectorLink, method: string, params: object = {}, answered?: () => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      session.post(method, params, (error, result) => {
        answered?.();
        if (error) reject(error);
        else resolve(result);
      });
    } catch (error) {
      // a session that is not connected throws instead of calling back
      reject(error);
    }
  });
}

function deadline<T>(promise: Promise<T>, ms: number, who: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(ms, who)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

/**
 * Like {@link deadline}, but `quietMs` counts from the last sign of life (`alive()`): a main thread that streams its
 * answer (`Debugger.enable` announces every script first: about 0.5 s for 20,000 scripts) is not taken for a
 * thread blocked outside JavaScript. `totalMs` caps the whole wait.
 */
function quietDeadline<T>(promise: Promise<T>, quietMs: number, totalMs: number, who: string): { result: Promise<T>; alive(): void } {
  let quiet: NodeJS.Timeout | undefined;
  let total: NodeJS.Timeout | undefined;
  let fail: (error: Error) => void = () => undefined;
  let settled = false;
  const expiry = new Promise<never>((_, reject) => {
    fail = reject;
    quiet = setTimeout(() => reject(new NoAnswer(quietMs, who)), quietMs);
    total = setTimeout(() => reject(new NoAnswer(totalMs, who)), totalMs);
  });
  const result = Promise.race([promise, expiry]).finally(() => {
    settled = true;
    clearTimeout(quiet);
    clearTimeout(total);
  });
  return {
    result,
    alive: () => {
      if (settled) return;
      clearTimeout(quiet);
      quiet = setTimeout(() => fail(new NoAnswer(quietMs, who)), quietMs);
    },
  };
}

/** Longest wait for a main thread that keeps answering but has not paused yet. */
const TOTAL_WAIT_MS = 60_000;

function essentials(frame: ProtocolFrame, urls: ReadonlyMap<string, string>): RawCallFrame {
  const raw: RawCallFrame = {
    callFrameId: frame.callFrameId,
    functionName: frame.functionName,
    // CallFrame.url is deprecated and empty in current V8: the script's url comes from Debugger.scriptParsed
    url: frame.url || urls.get(frame.location.scriptId) || '',
    location: { ...frame.location },
  };
  if (frame.functionLocation) raw.functionLocation = { ...frame.functionLocation };
  return raw;
}

/** The frames for people: 1-based lines and columns, `(anonymous)` for nameless functions. */
export function toStack(frames: readonly RawCallFrame[]): StackFrame[] {
  return frames.map((frame) => ({
    functionName: frame.functionName || '(anonymous)',
    url: frame.url,
    lineNumber: frame.location.lineNumber + 1,
    columnNumber: (frame.location.columnNumber ?? 0) + 1,
  }));
}

/**
 * From a worker thread: pauses the watched thread (reached through `link`, see link.ts) wherever it is (`Debugger.enable` + `Debugger.pause`), copies the
 * paused call frames, runs `whilePaused` while the main thread is still stopped, then resumes it, disables the
 * debugger and disconnects. The session is disconnected whatever happens; when it was the only one, that also lets
 * a paused main thread go.
 *
 * A pause that arrives before `Debugger.pause` is acknowledged was not ours (V8 acknowledges the request, then
 * breaks at the next interrupt check; a thread already paused announces it to a session as it enables): then the
 * stack is copied but the main thread is not resumed, so a developer at a breakpoint keeps it.
 *
 * @param who the watched thread, for the error when it does not answer
 * @throws {NoAnswer} when the thread gives no sign of life for `timeoutMs` (or has not paused within 60 s).
 */
export async function pauseThread(session: InspectorLink, timeoutMs: number, whilePaused: () => boolean, who: string): Promise<PausedStack> {
  try {
    // Debugger.enable announces every script (id and url) before it answers
    const urls = new Map<string, string>();
    let alive = (): void => undefined;
    session.on('Debugger.scriptParsed', (params) => {
      alive();
      const { scriptId, url } = params as { scriptId: string; url: string };
      if (url) urls.set(scriptId, url);
    });
    let acknowledged = false;
    const paused = new Promise<{ frames: ProtocolFrame[]; at: number; checked: boolean; foreign: boolean }>((resolve) => {
      let once = false;
      session.on('Debugger.paused', (params) => {
        if (once) return;
        once = true;
        // the thread is stopped from this notification until it is resumed
        const at = performance.now();
        const frames = (params as { callFrames: ProtocolFrame[] }).callFrames;
        resolve({ frames, at, checked: whilePaused(), foreign: !acknowledged });
      });
    });
    // sent together: the main thread handles them in order at its next interrupt check, one round trip in all
    const enabled = post(session, 'Debugger.enable');
    const asked = post(session, 'Debugger.pause', {}, () => {
      acknowledged = true;
    });
    const both = Promise.all([enabled, asked]);
    both.catch(() => undefined);
    const waiting = quietDeadline(
      both.then(() => paused),
      timeoutMs,
      TOTAL_WAIT_MS,
      who,
    );
    alive = waiting.alive;
    const { frames, at, checked, foreign } = await waiting.result;
    const callFrames = frames.map((frame) => essentials(frame, urls));
    if (!foreign) {
      await deadline(post(session, 'Debugger.resume'), timeoutMs, who).catch(() => undefined);
      await deadline(post(session, 'Debugger.disable'), timeoutMs, who).catch(() => undefined);
    }
    return { callFrames, pausedAt: at, checked, foreign };
  } finally {
    try {
      session.close();
    } catch {
      // already closed
    }
  }
}
