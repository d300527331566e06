import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DumpFileError, firstLine } from '../analysis/errors.js';
import { readJsonFile } from '../analysis/load.js';
import { DUMP_SIGNALS, type DumpSignal, defaultDumpDir } from '../config/options.js';
import { ON_DEMAND_HELP, ON_DEMAND_KINDS, type OnDemandKind } from '../ondemand/kinds.js';
import { requestPath, takeRefusal, writeRequest } from '../ondemand/request.js';
import type { DumpMeta } from '../sinks/meta.js';
import { COMMON_HELP, type Command, intOption, stringOption } from './command.js';
import { UsageError } from './output.js';

/** How long the process has to take the request from its slot before the command gives up on it. */
const TAKE_MS = 5000;
const POLL_MS = 100;

/** Whether `pid` has a handler installed for `signal` (Linux: the SigCgt mask of /proc/<pid>/status). */
function catches(pid: number, signal: DumpSignal): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new DumpFileError(`cannot read /proc/${pid}/status (${firstLine(error)}): is process ${pid} running?`);
  }
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const number = constants.signals[signal];
  return mask !== undefined && (BigInt(`0x${mask}`) & (1n << BigInt(number - 1))) !== 0n;
}

/** The meta of the dump answering request `id` of `pid`, once it is written. */
function answer(dir: string, pid: number, id: string): { metaFile: string; meta: DumpMeta } | null {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(`-${pid}.meta.json`)) continue;
    const metaFile = join(dir, name);
    try {
      const meta = readJsonFile(metaFile, 'meta file') as DumpMeta;
      if (meta.reason?.trigger === 'manual' && meta.reason.requestId === id) return { metaFile, meta };
    } catch {
      // a meta being replaced or pruned as we read: not ours
    }
  }
  return null;
}

function parsePid(raw: string | undefined): number {
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid < 1 || pid > 4_194_304 || String(pid) !== raw)
    throw new UsageError(`dump: PID must be a process id, not ${JSON.stringify(raw)}`);
  return pid;
}

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'ask a running process for a dump now (it must have opted in with the signal option)',
  help: `Usage: holmes-node dump PID KIND [--dir DIR] [--signal SIGNAL] [--timeout SECONDS] [--json]

Asks the running process PID, watched by holmes-node with the signal option, for
a dump now, and prints the dump's path once it is written. KIND is one of:
${ON_DEMAND_KINDS.map((kind) => `  ${kind.padEnd(13)} ${ON_DEMAND_HELP[kind]}`).join('\n')}

It writes a request file (.holmes-request-PID.json, 0600) into the process's
dump directory, then sends the signal. The process obeys only a request owned
by its own user or by root. The signal is sent only if PID catches it: most
signals would otherwise end the process.

Options:
  --dir DIR          the process's dump directory (default $HOLMES_DUMP_DIR, else
                     ${defaultDumpDir()})
  --signal SIGNAL    the signal the process listens on: ${DUMP_SIGNALS.join(', ')} (default SIGUSR2)
  --timeout SECONDS  how long to wait for the dump (default 120)
${COMMON_HELP}`,
  options: { dir: { type: 'string' }, signal: { type: 'string' }, timeout: { type: 'string' } },
  arity: [2, 2],
  async run(args, out) {
    const pid = parsePid(args.positionals[0]);
    const kind = args.positionals[1] as OnDemandKind;
    if (!ON_DEMAND_KINDS.includes(kind)) throw new UsageError(`dump: KIND must be one of ${ON_DEMAND_KINDS.join(', ')}, not ${JSON.stringify(kind)}`);
    const signal = (stringOption(args, 'signal') ?? 'SIGUSR2') as DumpSignal;
    if (!DUMP_SIGNALS.includes(signal)) throw new UsageError(`--signal wants one of ${DUMP_SIGNALS.join(', ')}, not ${JSON.stringify(signal)}`);
    const timeoutMs = intOption(args, 'timeout', 120) * 1000;
    const dir = resolve(stringOption(args, 'dir') ?? (process.env.HOLMES_DUMP_DIR || defaultDumpDir()));
    if (!catches(pid, signal)) {
      throw new DumpFileError(
        `process ${pid} does not catch ${signal}: it has not opted in (option signal: '${signal}'); not sending it, it could end the process`,
      );
    }
    if (!existsSync(dir)) throw new DumpFileError(`no dump directory ${dir} (give the process's with --dir)`);
    let request: Awaited<ReturnType<typeof writeRequest>>;
    try {
      request = await writeRequest(dir, pid, kind);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new DumpFileError(`a request for process ${pid} is already waiting: ${requestPath(dir, pid)} (remove it if it is stale)`);
      throw new DumpFileError(`cannot write the request into ${dir}: ${firstLine(error)}`);
    }
    const slot = requestPath(dir, pid);
    try {
      process.kill(pid, signal);
    } catch (error) {
      await unlink(slot).catch(() => undefined);
      throw new DumpFileError(`cannot signal process ${pid}: ${firstLine(error)}`);
    }
    const start = Date.now();
    for (;;) {
      const found = answer(dir, pid, request.id);
      if (found) {
        const file = join(dir, found.meta.file);
        out.emit({ pid, kind, file, metaFile: found.metaFile, meta: found.meta }, () => `${file}\n`);
        return;
      }
      const refused = await takeRefusal(dir, pid, request.id);
      if (refused !== null) throw new DumpFileError(`process ${pid} took the request but wrote no ${kind} dump: ${refused}`);
      const elapsed = Date.now() - start;
      if (elapsed > TAKE_MS && existsSync(slot)) {
        await unlink(slot).catch(() => undefined);
        throw new DumpFileError(`process ${pid} did not take the request within ${TAKE_MS / 1000} s: is ${dir} its dump directory?`);
      }
      if (elapsed > timeoutMs) {
        throw new DumpFileError(`process ${pid} took the request but wrote no ${kind} dump within ${timeoutMs / 1000} s: see its log or 'error'/'skip' events`);
      }
      await sleep(POLL_MS);
    }
  },
};
