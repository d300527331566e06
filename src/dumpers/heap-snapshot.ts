import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { writeHeapSnapshot } from 'node:v8';

// The kernel's name for an open descriptor: opening it reaches the file behind the descriptor, whatever the
// file's name now points to (Linux /proc, /dev/fd on macOS and the BSDs).
const FD_DIR = ['/proc/self/fd', '/dev/fd'].find((dir) => existsSync(dir));

/**
 * Writes a V8 heap snapshot into the file open as `handle` (a temporary file holmes-node created: exclusive,
 * 0600, no link followed), with Node's built-in `v8.writeHeapSnapshot`.
 *
 * `v8.writeHeapSnapshot` takes a path and opens it itself, following links: given the file's name, a local user
 * able to swap that name for a link between our create and V8's open would receive the snapshot. So it is given the
 * descriptor's own name (`/proc/self/fd/<n>`), which reaches the file we opened and nothing else. Same memory and
 * stall as writing to a path; streaming `v8.getHeapSnapshot()` instead buffers the whole serialized snapshot on the
 * heap (measured: BENCHMARKS.md).
 *
 * Chosen over the `heapdump` addon: heapdump reports success on a full disk and leaves an empty 0644 file,
 * while the built-in throws ENOSPC, so a failed snapshot is reported and removed, never left looking whole.
 * Both block the event loop for the whole write (about 24 s for a 340 MB heap).
 *
 * @throws when no descriptor directory exists (then no snapshot is written: holmes-node never hands V8 a name)
 */
export function writeHeapSnapshotTo(handle: FileHandle): void {
  if (!FD_DIR) throw new Error('no /proc/self/fd or /dev/fd: a heap snapshot cannot be written without reopening its file by name');
  writeHeapSnapshot(`${FD_DIR}/${handle.fd}`);
}
