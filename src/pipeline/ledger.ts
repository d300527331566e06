/**
 * The dump directory's shared hourly budget: every process writing dumps to one directory (cluster workers, PM2
 * instances, services on a shared volume) records each dump start in `<dumpDir>/.holmes-ledger`, so that
 * `maxDumpsPerHour` holds for the directory, not per process. Each read-modify-write of the ledger is made under
 * `<dumpDir>/.holmes-ledger.lock`, created with O_EXCL; a lock whose owner is dead is taken over.
 *
 * The calls are synchronous and touch two small files (a few dozen lines at most): they run only when a dump is
 * about to start. While the watchdog is on, each tick asks {@link DumpLedger.recentStarts}, which costs one `lstat`
 * and reads the file only when it changed (measured cost in the README, "Many processes").
 */
import { closeSync, constants, lstatSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../sinks/dump-dir.js';

const HOUR = 3_600_000;

/** Whether a start at `at` counts at `now`: in the last hour, and not from a clock far ahead. */
const inLastHour = (at: number, now: number): boolean => at > now - HOUR && at <= now + HOUR;
export const LEDGER_NAME = '.holmes-ledger';
const LOCK_NAME = `${LEDGER_NAME}.lock`;
/** Attempts at the lock before giving up; each waits 1 ms (a holder keeps it for microseconds). */
const LOCK_ATTEMPTS = 20;
/** A lock file still empty after this long was left by a process that died between creating and writing it. */
const EMPTY_LOCK_MS = 10_000;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
const REWRITE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW;
const READ = constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK;
const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * Longest a view of the ledger is trusted without reading it again, even though the file looks unchanged: file times
 * are coarse (a clock tick), so two rewrites within one tick that reuse the inode and keep the size would look alike.
 */
export const VIEW_MAX_AGE_MS = 30_000;

/** One version of the ledger file (every writer renames a new one in), or null when there is none. */
type FileIdentity = { ino: number; size: number; mtimeMs: number } | null;

const sameFile = (a: FileIdentity, b: FileIdentity): boolean =>
  a === b || (a !== null && b !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs);

/** Reads a small file without following a link or blocking on a FIFO. */
function readSmall(path: string): string {
  const fd = openSync(path, READ);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** One recorded dump start: when, and by which process. */
interface Entry {
  at: number;
  pid: number;
}

/** The answer of {@link DumpLedger.claim}. */
export type Claim = { granted: true } | { granted: false; started: number };

export class DumpLedger {
  readonly #file: string;
  readonly #lock: string;

  readonly #verify: () => void;
  /** The ledger as last read by {@link recentStarts}: its entries, the file's identity then, and when. */
  #view: { entries: Entry[]; identity: FileIdentity; at: number } | undefined;

  /** @param verify throws unless `dir` is still the directory that was checked (DumpDir.verifySync): never write behind a swapped link */
  constructor(dir: string, verify: () => void) {
    this.#file = join(dir, LEDGER_NAME);
    this.#lock = join(dir, LOCK_NAME);
    this.#verify = verify;
  }

  /** Dump starts recorded in the directory in the hour before `now`, by every process; 0 when there is no ledger. */
  startsInLastHour(now: number): number {
    return this.#read(now).length;
  }

  /**
   * Like {@link startsInLastHour}, for a caller that asks every tick (the watchdog's allowance): the file is read again
   * only when it was replaced since the last read (every writer renames a new one in: another inode, size or
   * modification time) or that read is older than {@link VIEW_MAX_AGE_MS}; otherwise one `lstat`, no open. Starts
   * recorded since by another process are seen as soon as its rewrite is; a claim still reads under the lock.
   */
  recentStarts(now: number): number {
    const identity = this.#identity();
    let view = this.#view;
    if (!view || !sameFile(view.identity, identity) || now - view.at > VIEW_MAX_AGE_MS || now < view.at) {
      view = { entries: this.#read(now), identity, at: now };
      this.#view = view;
    }
    let count = 0;
    for (const entry of view.entries) if (inLastHour(entry.at, now)) count++;
    return count;
  }

  /** What tells one version of the ledger file from the next without opening it. */
  #identity(): FileIdentity {
    const info = lstatSync(this.#file, { throwIfNoEntry: false });
    return info ? { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs } : null;
  }

  /**
   * Records a dump start at `now` if fewer than `max` were recorded in the last hour, atomically under the lock.
   * Throws when the ledger cannot be used (no lock within ~20 ms, a read-only directory): the caller then counts
   * this process's dumps only.
   */
  claim(now: number, max: number): Claim {
    return this.#locked(() => {
      const entries = this.#read(now);
      if (entries.length >= max) return { granted: false, started: entries.length };
      this.#write([...entries, { at: now, pid: process.pid }]);
      return { granted: true };
    });
  }

  /** Records a dump already written (the watchdog's), whatever the count. Throws as {@link claim} does. */
  record(now: number): void {
    this.#locked(() => this.#write([...this.#read(now), { at: now, pid: process.pid }]));
  }

  #read(now: number): Entry[] {
    this.#verify();
    let text: string;
    try {
      text = readSmall(this.#file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: Entry[] = [];
    for (const line of text.split('\n')) {
      const [at, pid] = line.split(' ').map(Number);
      if (Number.isFinite(at) && Number.isInteger(pid) && inLastHour(at!, now)) entries.push({ at: at!, pid: pid! });
    }
    return entries;
  }

  /** Rewrites the ledger (temporary file, rename): a reader never sees half of it. */
  #write(entries: Entry[]): void {
    this.#verify();
    const temp = `${this.#file}.${process.pid}.tmp`;
    const fd = openSync(temp, REWRITE, 0o600);
    try {
      writeSync(fd, entries.map((entry) => `${entry.at} ${entry.pid}\n`).join(''));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.#file);
  }

  #locked<T>(run: () => T): T {
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      this.#verify();
      let fd: number;
      try {
        fd = openSync(this.#lock, CREATE, 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        this.#recoverStale();
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      try {
        try {
          writeSync(fd, String(process.pid));
        } finally {
          closeSync(fd);
        }
        return run();
      } finally {
        try {
          unlinkSync(this.#lock);
        } catch {
          // already gone: nothing to release
        }
      }
    }
    throw new Error(`${this.#lock} stayed locked by a live process`);
  }

  /** A lock left by a process that died while holding it is removed, so the directory's budget does not freeze. */
  #recoverStale(): void {
    try {
      const text = readSmall(this.#lock);
      const holder = Number(text);
      // an empty lock is one being written this instant, unless it has been empty for long
      const dead = text === '' ? Date.now() - statSync(this.#lock).mtimeMs > EMPTY_LOCK_MS : Number.isInteger(holder) && holder > 0 && !isAlive(holder);
      if (dead) unlinkSync(this.#lock);
    } catch {
      // gone meanwhile, or not readable: try again
    }
  }
}
