/**
 * The request file of an operator's on-demand dump (`holmes-node dump <pid> <kind>`): the command writes
 * `<dumpDir>/.holmes-request-<pid>.json`, then sends the process its configured signal; the process takes the file
 * (reads and removes it) and dumps. The signal alone asks for nothing: only a file in the process's own dump directory
 * (0700), owned by the process's user or by root, is obeyed.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type OnDemandKind, checkDumpKind } from './kinds.js';

const REQUEST_PREFIX = '.holmes-request-';
/** A request is a line of JSON; anything larger is not one. */
const MAX_REQUEST_BYTES = 4096;

/** What the operator asked for; `id` names the dump's meta (`reason.requestId`) so the command finds its answer. */
export interface DumpRequest {
  kind: OnDemandKind;
  id: string;
}

/** A request as the process found it: with the uid of the file's owner (who asked). */
export interface TakenRequest extends DumpRequest {
  uid: number;
}

/** The request slot of one process in a dump directory. */
export function requestPath(dumpDir: string, pid: number): string {
  return join(dumpDir, `${REQUEST_PREFIX}${pid}.json`);
}

/**
 * Where the process answers a request it could not fulfil (skipped or failed), so the operator's command ends at once
 * with the reason instead of waiting for a dump that will not come. Written atomically, 0600, by the process.
 */
export function refusalName(pid: number, id: string): string {
  return `${REQUEST_PREFIX}${pid}-${id}.refused`;
}

/** Reads and removes the refusal for request `id` of `pid` (the operator's side); null when there is none. */
export async function takeRefusal(dumpDir: string, pid: number, id: string): Promise<string | null> {
  const path = join(dumpDir, refusalName(pid, id));
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_REQUEST_BYTES) return null;
    return (await handle.readFile()).toString('utf8').trim();
  } finally {
    await handle.close();
    await unlink(path).catch(() => undefined);
  }
}

/**
 * Writes a request for `pid` (the operator's side): created 0600 with O_EXCL and O_NOFOLLOW, so an existing request,
 * or a link planted under the name, is refused rather than followed or overwritten.
 */
export async function writeRequest(dumpDir: string, pid: number, kind: OnDemandKind): Promise<DumpRequest> {
  const request: DumpRequest = { kind, id: randomBytes(8).toString('hex') };
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const handle = await open(requestPath(dumpDir, pid), flags, 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(request)}\n`);
  } finally {
    await handle.close();
  }
  return request;
}

/**
 * Takes this process's request (the process's side): opened without following links and without blocking on a FIFO,
 * checked to be a small regular file owned by this process's user or by root and writable by no one else, read, then
 * removed. Throws an Error saying why a request is refused; the file is removed then too, so it cannot be replayed.
 */
export async function takeRequest(dumpDir: string, pid = process.pid): Promise<TakenRequest> {
  const path = requestPath(dumpDir, pid);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`the signal came without a request file (${path})`);
    if (code === 'ELOOP') throw new Error(`${path} is a symbolic link`);
    throw error;
  }
  let text: string;
  let uid: number;
  try {
    const info = await handle.stat();
    const own = process.getuid?.();
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    if (info.uid !== own && info.uid !== 0) throw new Error(`${path} is owned by uid ${info.uid}; only uid ${own} (this process's user) or root may ask`);
    if ((info.mode & 0o022) !== 0) throw new Error(`${path} is writable by other users (mode ${(info.mode & 0o777).toString(8)})`);
    if (info.size > MAX_REQUEST_BYTES) throw new Error(`${path} is larger than ${MAX_REQUEST_BYTES} bytes`);
    uid = info.uid;
    text = (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
    await unlink(path).catch(() => undefined);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  const { kind, id } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof id !== 'string' || !/^[0-9a-f]{1,64}$/.test(id)) throw new Error(`${path} has no valid id`);
  try {
    return { kind: checkDumpKind(kind), id, uid };
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message.replace(/^holmes-node: option /, '')}`);
  }
}
