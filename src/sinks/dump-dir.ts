import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Prefix of work-in-progress files; operators never see these under a final name. */
export const TEMP_PREFIX = '.holmes-tmp-';

// O_NOFOLLOW: a link planted under the temp name cannot redirect the write; O_EXCL: never reuse a file.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** `20261125T061313.123Z`: UTC, sortable, no colons (safe on every filesystem and in URLs). */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

/** `<kind>-<UTC timestamp>-<pid>`: the base name shared by a dump and its `.meta.json`. */
export function dumpBaseName(kind: string, date: Date, pid = process.pid): string {
  return `${kind}-${timestamp(date)}-${pid}`;
}

/** A file name written by holmes-node, taken apart. */
export interface DumpFileName {
  /** `<kind>-<timestamp>-<pid>`, shared by a dump and its meta. */
  base: string;
  kind: string;
  time: Date;
  pid: number;
  /** `cpuprofile`, `heapsnapshot`, `handles.json`, `pb.gz`, `meta.json`… */
  extension: string;
}

const DUMP_FILE = /^(([a-zA-Z]+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-(\d+))\.([a-z.]+)$/;

/**
 * The inverse of {@link dumpBaseName} plus an extension: the one definition of holmes-node's file names, used by
 * retention (which removes only these) and by the operator's command. Null for any other name.
 */
export function parseDumpFileName(name: string): DumpFileName | null {
  const m = DUMP_FILE.exec(name);
  if (!m) return null;
  const [, base, kind, y, mo, d, h, mi, s, ms, pid, extension] = m;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(time.getTime())) return null;
  return { base: base!, kind: kind!, time, pid: Number(pid), extension: extension! };
}

/** Whether process `pid` exists (EPERM: it does, as another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The dump directory: created 0700, files 0600, every file written under a temporary name and renamed
 * into place only when complete, so a file under its final name is always whole.
 */
export class DumpDir {
  constructor(readonly path: string) {}

  /**
   * Creates the directory if needed (0700) and checks it is safe: a directory others may write to is refused,
   * and one others may read is tightened to 0700. Called before every dump, so a deleted directory comes back.
   */
  async prepare(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    const info = await stat(this.path);
    if (!info.isDirectory()) throw new Error(`${this.path} is not a directory`);
    const uid = process.getuid?.();
    if ((info.mode & 0o022) !== 0 && (uid === undefined || info.uid !== uid || (info.mode & 0o1000) === 0)) {
      throw new Error(`${this.path} is writable by other users (mode ${(info.mode & 0o7777).toString(8)}); refusing to write dumps there`);
    }
    if ((info.mode & 0o077) !== 0 && uid !== undefined && info.uid === uid) await chmod(this.path, 0o700);
  }

  /** A fresh temporary path in the directory for `finalName`. */
  tempPath(finalName: string): string {
    return join(this.path, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}-${finalName}`);
  }

  /** Creates an empty temporary file (0600, exclusive, no links followed) and returns its path. */
  async createTemp(finalName: string): Promise<string> {
    const path = this.tempPath(finalName);
    const handle = await open(path, CREATE_FLAGS, 0o600);
    await handle.close();
    return path;
  }

  /** Writes `data` to `finalName` atomically (temp file, fsync, rename) and returns the final path. */
  async writeFile(finalName: string, data: string | Uint8Array): Promise<string> {
    const temp = this.tempPath(finalName);
    // opened outside the try: when open fails (a planted link, EEXIST), the file there is not ours to remove
    const handle = await open(temp, CREATE_FLAGS, 0o600);
    try {
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      return await this.commit(temp, finalName);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Lets `write` fill a fresh temporary file (created 0600 beforehand) and renames it into place.
   * Used for writers that take a path, such as `v8.writeHeapSnapshot`.
   */
  async writeWith(finalName: string, write: (tempPath: string) => void | Promise<void>): Promise<string> {
    const temp = await this.createTemp(finalName);
    try {
      await write(temp);
      await chmod(temp, 0o600);
      return await this.commit(temp, finalName);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  private async commit(temp: string, finalName: string): Promise<string> {
    const finalPath = join(this.path, finalName);
    await rename(temp, finalPath);
    return finalPath;
  }

  /**
   * Removes temporary files left by a process that was killed mid-dump: those of dead processes,
   * and those of this pid older than this process (a restarted container often reuses the pid).
   * Returns how many were removed.
   */
  async removeStaleTemps(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.path);
    } catch {
      return 0;
    }
    const startedAt = Date.now() - process.uptime() * 1000;
    let removed = 0;
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const pid = Number.parseInt(name.slice(TEMP_PREFIX.length), 10);
      const path = join(this.path, name);
      try {
        const stale = pid === process.pid ? (await stat(path)).mtimeMs < startedAt : !isAlive(pid);
        if (stale) {
          await unlink(path);
          removed++;
        }
      } catch {
        // raced with another cleaner, or not ours to remove
      }
    }
    return removed;
  }
}
