/**
 * The watchdog worker (bundled alone as dist/watchdog-worker.js). It watches the main thread's heartbeat and, when
 * the loop has not turned for `block` ms, pauses the main thread through the inspector, copies its stack and writes
 * the dump itself: the main thread may never run again (an infinite loop must still be diagnosed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DumpDir } from '../sinks/dump-dir.js';
import { NoAnswer, pauseMainThread } from './capture.js';
import { BlockDetector } from './detector.js';
import { writeBlockDump } from './dump.js';
import {
  BEAT, COUNT, HEARTBEAT_FUNCTION, SUSPENDED, clock, since, type RawCallFrame, type WatchdogWorkerData, type WorkerMessage,
} from './protocol.js';

if (!parentPort) throw new Error('holmes-node: watchdog-worker.js runs only as a worker thread started by holmes-node');
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

const now = (): number => clock(data.epoch);
const send = (message: WorkerMessage): void => port.postMessage(message);
const log = (level: 'info' | 'warn' | 'error', message: string): void => send({ type: 'log', level, message });
const round = (ms: number): number => Math.round(ms * 10) / 10;

function tick(): void {
  if (Atomics.load(heartbeat, SUSPENDED) !== 0) {
    // holmes-node's own deliberate stall (a heap snapshot): the main thread beats again before it lifts this
    setTimeout(tick, data.heartbeatMs);
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
      if (capturing) log('info', `event loop blocked for ${since(at, beat)} ms while the previous capture is still being written; no stack taken`);
      else void capture(count, beat);
      break;
    case 'cooldown':
      captured = false;
      // once per cooldown: a loop that blocks every few seconds must not flood the log
      if (!quietLogged) log('info', `event loop blocked for ${since(at, beat)} ms >= block ${data.blockMs} ms within cooldown (${data.cooldownMs} ms) of the previous capture; no stack taken, and no more said until the cooldown ends`);
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
  setTimeout(tick, detector.armed ? Math.max(1, detector.dueIn(now())) : data.heartbeatMs);
}

async function capture(count: number, beat: number): Promise<void> {
  capturing = true;
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
      const paused = await pauseMainThread(answerTimeoutMs, () => {
        blockedAtPause = since(now(), beat);
        return Atomics.load(heartbeat, COUNT) === count;
      });
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
    const written = await writeBlockDump(dir, {
      blockMs: data.blockMs, heartbeatMs: data.heartbeatMs, blockedMs, captureLatencyMs, detectedAt, callFrames,
      pausedByAnotherSession, ...(stackError === undefined ? {} : { stackError }),
    });
    send({ type: 'dump', ...written, blockedMs });
    detector.coolDown(now());
    quietLogged = false;
  } catch (error) {
    send({ type: 'error', message: `blocked-loop capture failed: ${error instanceof Error ? error.message : String(error)}` });
    detector.coolDown(now());
    quietLogged = false;
  } finally {
    capturing = false;
  }
}

tick();
