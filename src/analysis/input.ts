import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { DumpFileError, describeFsError } from './errors.js';
import { inputLimits, overLimit } from './limits.js';

// Dumps are often copied off a host with tar, which keeps FIFOs, devices and symlinks: a FIFO would block a read
// forever and /dev/zero never ends, while `stat` says 0 bytes for both. So an input is opened without following a
// link and without blocking, and only a regular file is read, by at most the byte limit actually read.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const CHUNK = 1 << 20;
const SYMLINK = 'a symbolic link';

/** What a file is when it is not a regular file (`a FIFO (named pipe)`), or null for a regular file. */
export function specialKind(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return SYMLINK;
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuse(path: string, kind: string): DumpFileError {
  if (kind === 'a directory') return new DumpFileError(`${path} is a directory, not a dump file`);
  const note = kind === SYMLINK ? ' (links are not followed: pass the file it points to)' : '';
  return new DumpFileError(`${path}: refused: ${kind}, not a regular file${note}`);
}

/** An input file opened for reading: its descriptor and size when opened. Close it with `closeSync(fd)`. */
export interface OpenInput {
  fd: number;
  size: number;
}

/**
 * Opens a dump for reading: a regular file only, never through a symlink, never blocking.
 * @throws {DumpFileError} naming the file and why it is refused.
 */
export function openInput(path: string): OpenInput {
  let fd: number;
  try {
    // lstat first: a FIFO or device is refused without being opened at all (opening some devices acts)
    const kind = specialKind(lstatSync(path));
    if (kind) throw refuse(path, kind);
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    if (error instanceof DumpFileError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw refuse(path, SYMLINK);
    throw new DumpFileError(describeFsError(error, path), { cause: error });
  }
  try {
    // the name may have been swapped between lstat and open: what was opened is what counts
    const stats = fstatSync(fd);
    const kind = specialKind(stats);
    if (kind) throw refuse(path, kind);
    return { fd, size: stats.size };
  } catch (error) {
    closeSync(fd);
    if (error instanceof DumpFileError) throw error;
    throw new DumpFileError(describeFsError(error, path), { cause: error });
  }
}

/** The refusal of a file larger than `cap` bytes. */
export function tooLarge(path: string, cap: number): DumpFileError {
  return new DumpFileError(`${path}: refused: ${inputLimits().maxInputBytes === cap ? overLimit('larger', 'maxInputBytes') : `larger than ${cap} bytes`}`);
}

/**
 * Reads a whole input file, at most `cap` bytes (default: the input limit), counted on what is read, not on the
 * size `stat` reports.
 * @throws {DumpFileError} when the file is refused, cannot be read, or is larger than `cap`.
 */
export function readInput(path: string, cap = inputLimits().maxInputBytes): Buffer {
  const { fd, size } = openInput(path);
  try {
    // one read past the size `stat` gave tells whether the file grew
    let buf = Buffer.allocUnsafe(Math.min(size, cap) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > cap) throw tooLarge(path, cap);
        const grown = Buffer.allocUnsafe(Math.min(buf.length + Math.max(CHUNK, buf.length), cap + 1));
        buf.copy(grown, 0, 0, length);
        buf = grown;
      }
      const read = readSync(fd, buf, length, buf.length - length, length);
      if (read === 0) break;
      length += read;
    }
    if (length > cap) throw tooLarge(path, cap);
    return buf.subarray(0, length);
  } catch (error) {
    if (error instanceof DumpFileError) throw error;
    throw new DumpFileError(describeFsError(error, path), { cause: error });
  } finally {
    closeSync(fd);
  }
}
