import { basename } from 'node:path';
import { type DumpDir, dumpBaseName } from '../sinks/dump-dir.js';
import { FORMATS } from '../sinks/formats.js';
import { buildMeta, writeMeta, type WrittenDump } from '../sinks/meta.js';
import { blockCulprit } from '../dumpers/culprit.js';
import { toStack } from './capture.js';
import type { RawCallFrame, StackFrame } from './protocol.js';

/** What the worker learnt about one blocked episode. */
export interface BlockCapture {
  /** `threadId` of the blocked thread: 0 for the main thread. */
  threadId: number;
  blockMs: number;
  heartbeatMs: number;
  /** How long the loop had not turned when the stack was taken (or when the capture gave up). */
  blockedMs: number;
  /** From detection to the `Debugger.paused` event; null without a stack. */
  captureLatencyMs: number | null;
  detectedAt: Date;
  /** The paused call frames; empty when no stack could be taken, and `stackError` says why. */
  callFrames: RawCallFrame[];
  stackError?: string;
  /** The main thread was found paused by another inspector session (a developer at a breakpoint), and left so. */
  pausedByAnotherSession: boolean;
}

/** The `.block.json` file: the one definition of its shape, for the writer and the CLI. */
export interface BlockFile {
  kind: 'eventLoop';
  trigger: 'block';
  /** `threadId` of the blocked thread: 0 for the main thread, else the worker thread holmes-node was started in. */
  threadId: number;
  blockMs: number;
  blockedMs: number;
  captureLatencyMs: number | null;
  heartbeatMs: number;
  detectedAt: string;
  /** Innermost frame first; 1-based lines and columns. */
  stack: StackFrame[];
  /** The protocol's call frames without scopes, 0-based as sent. */
  callFrames: RawCallFrame[];
  stackError?: string;
  pausedByAnotherSession?: true;
}

function where(frame: StackFrame): string {
  const file = frame.url ? frame.url.slice(frame.url.lastIndexOf('/') + 1) : '<unknown>';
  return `${frame.functionName} (${file}:${frame.lineNumber}:${frame.columnNumber})`;
}

/** `eventLoop blocked for 2013 ms >= block 2000 ms, in busyWork (app.js:12:5)`. */
export function blockSummary(capture: BlockCapture, stack: readonly StackFrame[]): string {
  const head = `eventLoop blocked for ${capture.blockedMs} ms >= block ${capture.blockMs} ms`;
  if (stack[0]) return `${head}, in ${where(stack[0])}${capture.pausedByAnotherSession ? ' (paused there by another inspector session)' : ''}`;
  return `${head}, no stack: ${capture.stackError ?? 'none taken'}`;
}

/**
 * Writes `eventLoop-<timestamp>-<pid>.block.json` and its `.meta.json` through {@link DumpDir} (directory 0700,
 * files 0600, each written under a temporary name and renamed when whole), with the meta writer every dump uses.
 * The meta has no readings, limits, interval or window: they live on the main thread, which is blocked.
 */
export async function writeBlockDump(dir: DumpDir, capture: BlockCapture): Promise<WrittenDump> {
  const stack = toStack(capture.callFrames);
  const baseName = dumpBaseName('eventLoop', capture.detectedAt);
  const body: BlockFile = {
    kind: 'eventLoop',
    trigger: 'block',
    threadId: capture.threadId,
    blockMs: capture.blockMs,
    blockedMs: capture.blockedMs,
    captureLatencyMs: capture.captureLatencyMs,
    heartbeatMs: capture.heartbeatMs,
    detectedAt: capture.detectedAt.toISOString(),
    stack,
    callFrames: capture.callFrames,
  };
  if (capture.stackError !== undefined) body.stackError = capture.stackError;
  if (capture.pausedByAnotherSession) body.pausedByAnotherSession = true;
  await dir.prepare();
  const file = await dir.writeFile(`${baseName}.${FORMATS.block.extension}`, JSON.stringify(body, null, 2));
  const details: Record<string, unknown> = {
    threadId: capture.threadId,
    blockMs: capture.blockMs,
    blockedMs: capture.blockedMs,
    captureLatencyMs: capture.captureLatencyMs,
    heartbeatMs: capture.heartbeatMs,
    frames: stack.length,
    top: stack[0] ? where(stack[0]) : null,
    capturedBy:
      capture.threadId === 0
        ? 'watchdog worker thread (inspector Debugger.pause of the main thread)'
        : `watchdog worker thread (inspector Debugger.pause of worker thread ${capture.threadId}, relayed by the main thread)`,
  };
  if (capture.stackError !== undefined) details.stackError = capture.stackError;
  if (capture.pausedByAnotherSession) details.pausedByAnotherSession = true;
  const culprit = blockCulprit(stack);
  const meta = buildMeta({
    ...(culprit ? { culprit } : {}),
    kind: 'eventLoop',
    file: basename(file),
    summary: blockSummary(capture, stack),
    reason: { rule: 'eventLoop', value: capture.blockedMs, average: 0, trigger: 'block', thresholds: { block: capture.blockMs } },
    startTime: capture.detectedAt.toISOString(),
    endTime: new Date().toISOString(),
    details,
  });
  return writeMeta(dir, baseName, file, meta);
}
