import { constants, lstatSync, type Stats } from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open, readdir, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

/** Whether a process of that pid exists (EPERM: it does, as another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The dump directory is not safe to write to, and holmes-node will not make it so: the message says why. */
export class UnsafeDumpDir extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeDumpDir';
  }
}

/** Where a directory is on disk: unchanged while both stay the same. */
interface Identity {
  dev: number;
  ino: number;
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

function missing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** `path` if it exists, else its nearest ancestor that does (lstat: a link counts as existing). */
async function deepestExisting(path: string): Promise<string> {
  for (let at = path; ; at = dirname(at)) {
    try {
      await lstat(at);
      return at;
    } catch (error) {
      if (!missing(error) || dirname(at) === at) throw error;
    }
  }
}

/** The effective uid files are created with; undefined where there is none (Windows): no ownership checks there. */
function effectiveUid(): number | undefined {
  return process.geteuid?.();
}

/** Owned by root or by us, and not writable by group or others unless sticky (then others cannot move our entry). */
function checkAncestor(path: string, info: Stats, uid: number): void {
  if (info.uid !== 0 && info.uid !== uid) {
    throw new UnsafeDumpDir(
      `its parent ${path} is owned by uid ${info.uid}, neither root nor this process (uid ${uid}): that user could move the dump directory away and put a link in its place`,
    );
  }
  if ((info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0) {
    throw new UnsafeDumpDir(
      `its parent ${path} is writable by other users without the sticky bit (mode ${octal(info.mode)}): they could move the dump directory away and put a link in its place`,
    );
  }
}

/**
 * The dump directory: 0700, owned by this process's user, files 0600, every file written under a temporary name
 * (created exclusively, no link followed) and renamed into place only when complete.
 *
 * The policy (README, "Security"): the directory itself is never a symbolic link, is owned by this process's
 * (effective) user and is writable by no one else; each of its parents is owned by root or this user and writable by
 * no one else unless sticky (like /tmp). A directory holmes-node did not create is refused when it fails a check,
 * never changed. The directory checked is recorded (device and inode) and checked again before every file is created.
 */
export class DumpDir {
  #identity: Identity | undefined;
  readonly #warned = new Set<string>();

  /** @param warn told once of each notice about an accepted directory (readable by others) */
  constructor(
    readonly path: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /**
   * Creates the directory if needed (0700) and checks it against the policy; throws {@link UnsafeDumpDir} when it
   * fails. Called at `start()` and before every dump, so a deleted directory comes back.
   */
  async prepare(): Promise<void> {
    const uid = effectiveUid();
    const parent = dirname(this.path);
    // what exists above is checked before anything is created there: never a directory made behind someone's link
    const existing = await deepestExisting(parent);
    if (uid !== undefined) await this.#checkAncestors(existing, uid);
    if (existing !== parent) {
      await mkdir(parent, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        // a recursive mkdir says EEXIST when a file stands where a directory should be
        if (error.code !== 'EEXIST') throw error;
        throw Object.assign(new Error(`ENOTDIR: ${parent}, or a path above it, is not a directory`), { code: 'ENOTDIR' });
      });
      if (uid !== undefined) await this.#checkAncestors(parent, uid);
    }
    let created = false;
    try {
      await mkdir(this.path, { mode: 0o700 });
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let info = await lstat(this.path);
    if (info.isSymbolicLink()) {
      throw new UnsafeDumpDir(
        `it is a symbolic link (to ${await readlink(this.path).catch(() => '?')}); holmes-node does not follow a link for dumpDir: give the real path`,
      );
    }
    if (!info.isDirectory()) throw new UnsafeDumpDir('it is not a directory');
    if (uid !== undefined && info.uid !== uid) {
      throw new UnsafeDumpDir(`it is owned by uid ${info.uid}, not by this process (uid ${uid}); refusing to write dumps there, and leaving it as it is`);
    }
    if (created && (info.mode & 0o777) !== 0o700) {
      // ours, just made: only a umask can have changed its mode
      await chmod(this.path, 0o700);
      info = await lstat(this.path);
    }
    if ((info.mode & 0o022) !== 0) {
      throw new UnsafeDumpDir(`it is writable by other users (mode ${octal(info.mode)}); refusing to write dumps there, and leaving it as it is`);
    }
    if ((info.mode & 0o077) !== 0) {
      this.#warnOnce(
        `dump directory ${this.path} is readable by other users (mode ${octal(info.mode)}): they can see the dumps' names; the dumps themselves are 0600`,
      );
    }
    const identity = { dev: info.dev, ino: info.ino };
    if (this.#identity && !created && (this.#identity.dev !== identity.dev || this.#identity.ino !== identity.ino)) {
      this.#warnOnce(`dump directory ${this.path} was replaced by another directory since it was first checked; the new one passed every check`);
    }
    this.#identity = identity;
  }

  /**
   * The synchronous form of the check before a file is created, for the small shared files written between ticks
   * (the ledger): throws {@link UnsafeDumpDir} unless the directory was checked and is still the same one.
   */
  verifySync(): void {
    if (!this.#identity) throw new UnsafeDumpDir('it has not been checked yet');
    let info: Stats;
    try {
      info = lstatSync(this.path);
    } catch (error) {
      if (missing(error)) throw new UnsafeDumpDir('it disappeared since it was checked');
      throw error;
    }
    this.#same(info);
  }

  #same(info: Stats): void {
    if (info.isSymbolicLink() || info.dev !== this.#identity!.dev || info.ino !== this.#identity!.ino) {
      throw new UnsafeDumpDir(`it was replaced since it was checked (${info.isSymbolicLink() ? 'by a symbolic link' : 'by another file'}); not writing there`);
    }
  }

  /** The checked directory is still there, and still the same one (not a link put in its place). */
  async #verify(): Promise<void> {
    if (!this.#identity) await this.prepare();
    const info = await lstat(this.path).catch((error: unknown) => {
      if (missing(error)) throw new UnsafeDumpDir('it disappeared since it was checked');
      throw error;
    });
    this.#same(info);
  }

  /**
   * Every directory above the dump directory, as written and as resolved: a link on the way must be owned by root or
   * us (its owner could point it elsewhere), and every real directory must pass {@link checkAncestor}.
   */
  async #checkAncestors(parent: string, uid: number): Promise<void> {
    const chains = [parent, await realpath(parent)];
    for (const chain of chains) {
      for (let path = chain; ; path = dirname(path)) {
        const info = await lstat(path);
        if (info.isSymbolicLink()) {
          if (info.uid !== 0 && info.uid !== uid)
            throw new UnsafeDumpDir(`its parent ${path} is a symbolic link owned by uid ${info.uid}, who could point it elsewhere`);
        } else checkAncestor(path, info, uid);
        if (dirname(path) === path) break;
      }
    }
  }

  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.warn(message);
  }

  /** A fresh temporary path in the directory for `finalName`. */
  tempPath(finalName: string): string {
    return join(this.path, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}-${finalName}`);
  }

  /** Opens a fresh temporary file (0600, exclusive, no link followed) in the checked directory. */
  async #openTemp(finalName: string): Promise<{ temp: string; handle: FileHandle }> {
    await this.#verify();
    const temp = this.tempPath(finalName);
    return { temp, handle: await open(temp, CREATE_FLAGS, 0o600) };
  }

  /** Writes `data` to `finalName` atomically (temp file, fsync, rename) and returns the final path. */
  async writeFile(finalName: string, data: string | Uint8Array): Promise<string> {
    return this.writeWith(finalName, (handle) => handle.writeFile(data));
  }

  /**
   * Lets `write` fill a fresh temporary file through the handle holmes-node opened (0600, exclusive, no link
   * followed), then makes sure of its mode through that handle, syncs it and renames it into place. The writer never
   * gets a path: a path could be reopened after someone put a link in its place.
   */
  async writeWith(finalName: string, write: (handle: FileHandle) => void | Promise<void>): Promise<string> {
    // opened outside the try: when open fails (a planted link, EEXIST), the file there is not ours to remove
    const { temp, handle } = await this.#openTemp(finalName);
    try {
      let written: Stats;
      try {
        await write(handle);
        await handle.chmod(0o600);
        await handle.datasync();
        written = await handle.stat();
      } finally {
        await handle.close();
      }
      // the name still holds the file we wrote: never rename something else (a planted link) into place
      const named = await lstat(temp);
      if (named.dev !== written.dev || named.ino !== written.ino)
        throw new UnsafeDumpDir(`its temporary file ${temp} was replaced while being written; not writing there`);
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
