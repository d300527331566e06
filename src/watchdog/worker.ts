/**
 * The watchdog worker (bundled alone into a string at build time and started as an eval worker: worker-source.ts).
 * It watches the heartbeat of the watched thread (the main thread, or the worker thread holmes-node runs in) and,
 * when its loop has not turned for `block` ms, pauses that thread through the inspector (link.ts), copies its stack
 * and writes the dump itself: the watched thread may never run again (an infinite loop must still be diagnosed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { DumpDir, parseDumpFileName } from '../sinks/dump-dir.js';
import { enforceRetention } from '../sinks/retention.js';
import { NoAnswer, pauseThread } from './capture.js';
import { BlockDetector } from './detector.js';
import { writeBlockDump } from './dump.js';
import { type InspectorLink, mainThreadLink, WorkerAttachment } from './link.js';
import {
  BEAT,
  COUNT,
  HEARTBEAT_FUNCTION,
  LIMIT,
  SUSPENDED,
  WRITTEN,
  clock,
  since,
  type RawCallFrame,
  type WatchdogWorkerData,
  type WorkerMessage,
} from './protocol.js';

if (!parentPort) throw new Error('holmes-node: the watchdog worker runs only as a worker thread started by holmes-node');
const port = parentPort;
const data = workerData as WatchdogWorkerData;
const heartbeat = new Int32Array(data.heartbeat);
const dir = new DumpDir(data.dumpDir);
const detector = new BlockDetector(data.blockMs, data.cooldownMs);
/** How long the main thread gets to answer the inspector before the capture gives up on a stack. */
const answerTimeoutMs = Math.min(Math.max(data.blockMs, 1000), 5000);
let capturing = false;
/** Whether the current episode was captured (its end is then logged), and whether a let-go episode was logged this cooldown. */
let captured = false;
let quietLogged = false;
let budgetSpentSaid = false;
let next: NodeJS.Timeout | undefined;
let stopping = false;

/** The watched thread, for messages; and how the inspector reaches it (a worker is attached once, at start). */
const who = data.target === 0 ? 'the main thread' : `worker thread ${data.target}`;
const attachment: Promise<WorkerAttachment> | undefined = data.target === 0 ? undefined : WorkerAttachment.attach(data.target);
// a worker that cannot be reached is refused at start: thrown here, it ends this thread and is reported as HOLMES_WATCHDOG
attachment?.catch((error: unknown) => {
  throw new Error(`cannot watch ${who} for blocks: ${error instanceof Error ? error.message : String(error)}`);
});
async function openLink(): Promise<InspectorLink> {
  return attachment ? (await attachment).link() : mainThreadLink();
}

const now = (): number => clock(data.epoch);
const send = (message: WorkerMessage): void => port.postMessage(message);
const log = (level: 'info' | 'warn' | 'error', message: string): void => send({ type: 'log', level, message });
const round = (ms: number): number => Math.round(ms * 10) / 10;

// asked to stop: finish a capture being written (so no temporary file is left), then end by running out of work
port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  stopping = true;
  clearTimeout(next);
  if (!capturing) end();
});

function end(): void {
  void attachment?.then(
    (attached) => attached.close(),
    () => undefined,
  );
  port.close();
}

function tick(): void {
  if (stopping) return;
  if (Atomics.load(heartbeat, SUSPENDED) !== 0) {
    // holmes-node's own deliberate stall (a heap snapshot): the main thread beats again before it lifts this
    next = setTimeout(tick, data.heartbeatMs);
    return;
  }
  // COUNT before BEAT: the main thread writes BEAT first, so a new count never comes with an old beat
  const count = Atomics.load(heartbeat, COUNT);
  const beat = Atomics.load(heartbeat, BEAT);
  const at = now();
  const verdict = detector.observe(count, beat, at);
  switch (verdict.action) {
    case 'capture':
      captured = !capturing;
      if (!capturing && Atomics.load(heartbeat, WRITTEN) >= Atomics.load(heartbeat, LIMIT)) {
        // the budget is spent (maxDumpsPerHour across every rule): no pause, no file; cool down like after a capture
        captured = false;
        detector.coolDown(at);
        // once until the budget allows a dump again: a loop that blocks every 200 ms must not flood the host's log
        if (!budgetSpentSaid)
          send({
            type: 'skip',
            reason: `event loop blocked for ${since(at, beat)} ms >= block ${data.blockMs} ms, but maxDumpsPerHour is reached; no stack taken`,
          });
        budgetSpentSaid = true;
      } else if (capturing) log('info', `event loop blocked for ${since(at, beat)} ms while the previous capture is still being written; no stack taken`);
      else {
        budgetSpentSaid = false;
        void capture(count, beat);
      }
      break;
    case 'cooldown':
      captured = false;
      // once per cooldown: a loop that blocks every few seconds must not flood the log
      if (!quietLogged)
        log(
          'info',
          `event loop blocked for ${since(at, beat)} ms >= block ${data.blockMs} ms within cooldown (${data.cooldownMs} ms) of the previous capture; no stack taken, and no more said until the cooldown ends`,
        );
      quietLogged = true;
      break;
    case 'resumed':
      if (captured) log('info', `the event loop ran again after about ${verdict.blockedMs} ms blocked`);
      captured = false;
      break;
    case 'none':
      break;
  }
  // sleep until the loop would have stood still for `block` ms; while an episode lasts, look for its end each beat
  next = setTimeout(tick, detector.armed ? Math.max(1, detector.dueIn(now())) : data.heartbeatMs);
}

async function capture(count: number, beat: number): Promise<void> {
  capturing = true;
  // reserved before the pause, so the main thread counts this dump from now on; given back if nothing is written
  Atomics.add(heartbeat, WRITTEN, 1);
  let written = false;
  const detectedAt = new Date();
  const detectedPerf = performance.now();
  let blockedMs = since(now(), beat);
  let callFrames: RawCallFrame[] = [];
  let captureLatencyMs: number | null = null;
  let stackError: string | undefined;
  let pausedByAnotherSession = false;
  try {
    try {
      let blockedAtPause = 0;
      const paused = await pauseThread(
        await openLink(),
        answerTimeoutMs,
        () => {
          blockedAtPause = since(now(), beat);
          return Atomics.load(heartbeat, COUNT) === count;
        },
        who,
      );
      // the pause landed after the loop turned (it ended its block between detection and the pause): not the culprit
      if (!paused.checked || paused.callFrames[0]?.functionName === HEARTBEAT_FUNCTION) {
        log('info', `event loop blocked for ${blockedMs} ms, but it ran again before its stack was taken; nothing written`);
        return;
      }
      callFrames = paused.callFrames;
      captureLatencyMs = round(paused.pausedAt - detectedPerf);
      blockedMs = blockedAtPause;
      pausedByAnotherSession = paused.foreign;
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      stackError = error.message;
      blockedMs = since(now(), beat);
    }
    const { maxDumps, maxDumpBytes } = data.retention;
    // room first, as every dump makes it: the directory holds at most maxDumps even while this one is written
    await dir.prepare();
    await prune({ maxDumps: maxDumps - 1, maxDumpBytes }, null);
    const dump = await writeBlockDump(dir, {
      threadId: data.target,
      blockMs: data.blockMs,
      heartbeatMs: data.heartbeatMs,
      blockedMs,
      captureLatencyMs,
      detectedAt,
      callFrames,
      pausedByAnotherSession,
      ...(stackError === undefined ? {} : { stackError }),
    });
    written = true;
    await prune(data.retention, parseDumpFileName(basename(dump.file))?.base ?? null);
    send({ type: 'dump', dump });
    detector.coolDown(now());
    quietLogged = false;
  } catch (error) {
    send({ type: 'error', message: `blocked-loop capture failed: ${error instanceof Error ? error.message : String(error)}` });
    detector.coolDown(now());
    quietLogged = false;
  } finally {
    if (!written) Atomics.sub(heartbeat, WRITTEN, 1);
    capturing = false;
    if (stopping) end();
  }
}

/** Retention as the main thread's pipeline keeps it, done here: the main thread may be blocked for good. */
async function prune(limits: { maxDumps: number; maxDumpBytes: number }, keep: string | null): Promise<void> {
  try {
    const removed = await enforceRetention(dir.path, limits, keep);
    if (removed.length > 0) log('info', `removed ${removed.length} old dump(s) to stay within maxDumps/maxDumpBytes`);
  } catch (error) {
    log('error', `could not prune old dumps: ${error instanceof Error ? error.message : String(error)}`);
  }
}

tick();
