import { since } from './protocol.js';

/** What the worker should do after looking at the heartbeat. */
export type Verdict =
  /** The loop has not turned for `block` ms: take its stack now. */
  | { action: 'capture' }
  /** Blocked, but the previous capture ended less than `cooldown` ms ago: this episode is let go. */
  | { action: 'cooldown' }
  /** The loop turned again after an episode that was acted on; it stood still about `blockedMs` (to one beat). */
  | { action: 'resumed'; blockedMs: number }
  | { action: 'none' };

/**
 * The worker's decision, pure so it is table-tested: at most one verdict per blocked episode (an episode ends when
 * the heartbeat counter moves again), and no capture within `cooldownMs` of the end of the previous one.
 * Times are {@link clock} readings (int32 ms), compared with {@link since}.
 */
export class BlockDetector {
  #count: number | undefined;
  #beat = 0;
  #armed = true;
  #coolStart: number | undefined;

  constructor(
    readonly blockMs: number,
    readonly cooldownMs: number,
  ) {}

  /** Whether a stand-still of `blockMs` would be acted on (false from a verdict until the loop turns again). */
  get armed(): boolean {
    return this.#armed;
  }

  /** Ms until the loop, if it does not turn, has stood still for `blockMs` (0 when it already has). */
  dueIn(now: number): number {
    return Math.max(0, this.blockMs - since(now, this.#beat));
  }

  /**
   * @param count the heartbeat counter
   * @param beat when the beat that set `count` ran (read after `count`: the main thread writes it before)
   * @param now the worker's reading of the same clock
   */
  observe(count: number, beat: number, now: number): Verdict {
    if (count !== this.#count) {
      const episode = !this.#armed && this.#count !== undefined;
      const previous = this.#beat;
      this.#count = count;
      this.#beat = beat;
      if (episode) {
        this.#armed = true;
        return { action: 'resumed', blockedMs: since(beat, previous) };
      }
    }
    if (!this.#armed || since(now, this.#beat) < this.blockMs) return { action: 'none' };
    this.#armed = false;
    if (this.#coolStart !== undefined && since(now, this.#coolStart) < this.cooldownMs) return { action: 'cooldown' };
    return { action: 'capture' };
  }

  /** Starts the cooldown: called when a capture ends, whether it wrote a dump or failed. */
  coolDown(now: number): void {
    this.#coolStart = now;
  }
}
