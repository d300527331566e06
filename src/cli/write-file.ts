import { randomBytes } from 'node:crypto';
import { closeSync, constants, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DumpFileError, describeFsError } from '../analysis/errors.js';
import { TEMP_PREFIX } from '../sinks/dump-dir.js';

// O_EXCL | O_NOFOLLOW: the temporary file is new, never a file or link someone placed under its name
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

function cannotWrite(error: unknown, target: string): DumpFileError {
  return new DumpFileError(describeFsError(error, target).replace('cannot read', 'cannot write'), { cause: error });
}

/**
 * Writes a file the CLI makes (a flame graph), mode 0600, whole or not at all, never through a link. The content is
 * written to a new temporary file beside `target`, then hard-linked to `target`, which fails if anything is there (a
 * planted symlink included); with `force`, renamed over it instead, which replaces a link itself, never what it
 * points to.
 * @throws {DumpFileError} when `target` exists (without `force`) or cannot be written.
 */
export function writeOutputFile(target: string, data: string | Uint8Array, force: boolean): void {
  const temp = join(dirname(target), `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}-${basename(target)}`);
  let fd: number;
  try {
    fd = openSync(temp, CREATE_FLAGS, 0o600);
  } catch (error) {
    throw cannotWrite(error, target);
  }
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    } finally {
      closeSync(fd);
    }
    if (force) renameSync(temp, target);
    else linkSync(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new DumpFileError(`${target} already exists: not replaced (pass --force to replace it)`);
    throw cannotWrite(error, target);
  } finally {
    rmSync(temp, { force: true });
  }
}
