import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defer, freshDir, Host, runOk, waitUntil } from '../helpers/child.js';
import { addonBuilt, canMount, requires } from '../helpers/requirements.js';
import { heapHost } from '../helpers/heap-host.js';

// Rules that fire on every reading once warm (window 1), so each fault is met at once.
const everyTick = { min: 0, diff: 0, abs: 0 };
const handlesEveryTick = { interval: 50, window: 1, cooldown: 100, handles: everyTick, cpu: false, memory: false };

/** Mounts (root only: the test starts with `requires(ctx, canMount)`); a new mount is undone at teardown. */
function mount(args: string[], target: string): void {
  runOk('mount', [...args, target]);
  if (args.some((arg) => arg.startsWith('remount'))) return;
  // registered after its directory (teardown runs last first): unmounted before the directory is removed
  defer(() => {
    try {
      runOk('umount', ['-l', target]);
    } catch {
      // already unmounted
    }
  });
}

/** Every name in the directory that an operator could mistake for a dump: finished files only, no temporaries. */
function visibleDumps(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^(cpu|memory|handles)-/.test(name)) : [];
}
function tempFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('.holmes-tmp-')) : [];
}

async function expectRecovery(host: Host, dir: string, kind = 'handles'): Promise<void> {
  const from = host.events.length;
  const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === kind, from);
  expect(existsSync(dump.file as string)).toBe(true);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
}

async function expectClean(host: Host): Promise<void> {
  expect(await host.ping()).toBe('pong');
  const exit = await host.exit();
  expect(exit, host.stderr).toEqual({ code: 0, signal: null });
  expect(host.stderr).not.toMatch(/Unhandled|uncaught|Error:/i);
}

describe('faults at run time: the host keeps serving, errors are reported, nothing partial is left, holmes recovers', () => {
  it('dump directory cannot be created (a file stands in the way), then can', async () => {
    const base = dirname(freshDir());
    const blocker = join(base, 'blocker');
    writeFileSync(blocker, 'not a directory');
    const dumpDir = join(blocker, 'dumps');
    const host = await Host.start({ ...handlesEveryTick, dumpDir });
    const error = await host.waitFor((e) => e.event === 'error' && e.code === 'HOLMES_DUMP');
    expect(String(error.message)).toMatch(/ENOTDIR|not a directory/);
    expect(host.events.some((e) => e.event === 'log' && e.level === 'error')).toBe(true);
    expect(await host.ping()).toBe('pong');
    rmSync(blocker);
    await expectRecovery(host, dumpDir);
    await expectClean(host);
  });

  it('dump directory is read-only (a read-only mount), then writable again', async (ctx) => {
    requires(ctx, canMount);
    const dumpDir = freshDir();
    mkdirSync(dumpDir, { mode: 0o700 });
    mount(['-t', 'tmpfs', '-o', 'ro,mode=0700', 'tmpfs'], dumpDir);
    const host = await Host.start({ ...handlesEveryTick, dumpDir });
    const error = await host.waitFor((e) => e.event === 'error' && e.code === 'HOLMES_DUMP');
    expect(String(error.message)).toMatch(/EROFS|read-only/);
    expect(await host.ping()).toBe('pong');
    expect(readdirSync(dumpDir)).toEqual([]);
    mount(['-o', 'remount,rw'], dumpDir);
    await expectRecovery(host, dumpDir);
    await expectClean(host);
  });

  it('dump directory is deleted while running: it is created again, 0700', async () => {
    const dumpDir = freshDir();
    const host = await Host.start({ ...handlesEveryTick, dumpDir });
    await host.waitFor((e) => e.event === 'dump');
    await host.send('set {"handles":{"enabled":false}}');
    rmSync(dumpDir, { recursive: true, force: true });
    await host.send('set {"handles":{"enabled":true}}');
    await expectRecovery(host, dumpDir);
    await expectClean(host);
  });

  it('disk full: the snapshot is refused before writing, other writes fail cleanly, and dumps resume when space is back', async (ctx) => {
    requires(ctx, canMount);
    const dumpDir = freshDir();
    mkdirSync(dumpDir, { mode: 0o700 });
    mount(['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs'], dumpDir);
    // fill it to the last block: twice its size cannot fit
    const filler = join(dumpDir, 'filler.bin');
    let full: NodeJS.ErrnoException | undefined;
    try {
      writeFileSync(filler, Buffer.alloc(512 * 1024));
    } catch (error) {
      full = error as NodeJS.ErrnoException;
    }
    expect(full?.code).toBe('ENOSPC');
    const host = await Host.start({
      interval: 50,
      window: 1,
      cooldown: 100,
      dumpDir,
      memory: everyTick,
      cpu: { ...everyTick, profileDuration: 50 },
      handles: false,
    });
    const skip = await host.waitFor((e) => e.event === 'skip' && e.kind === 'memory');
    expect(String(skip.reason)).toMatch(/disk/);
    const noSpace = await host.waitFor((e) => e.event === 'error' && /ENOSPC/.test(String(e.message)));
    expect(noSpace.code).toBe('HOLMES_DUMP');
    await host.waitFor((e) => e.event === 'error' && e.code === 'HOLMES_DUMP' && String(e.message).startsWith('holmes-node: cpu'));
    expect(await host.ping()).toBe('pong');
    // with holmes stopped (a write may be in flight until then), nothing is left behind, not even a temporary file
    await host.send('stop');
    expect(visibleDumps(dumpDir)).toEqual([]);
    expect(tempFiles(dumpDir)).toEqual([]);
    mount(['-o', 'remount,size=64m'], dumpDir);
    rmSync(filler);
    await host.send('start');
    await expectRecovery(host, dumpDir, 'cpu');
    await expectClean(host);
  });

  it('an existing directory other users can write to is refused', async () => {
    const dumpDir = freshDir();
    mkdirSync(dumpDir);
    runOk('chmod', ['0777', dumpDir]);
    const host = await Host.start({ ...handlesEveryTick, dumpDir });
    const error = await host.waitFor((e) => e.event === 'error');
    expect(String(error.message)).toContain('writable by other users');
    expect(readdirSync(dumpDir)).toEqual([]);
    await expectClean(host);
  });
});

describe('profiler faults', () => {
  it('when the native profiler addon fails to load, the built-in inspector takes the profile and the log says so', async () => {
    const dumpDir = freshDir();
    const breakAddon = new URL('../fixtures/break-addon.cjs', import.meta.url).pathname;
    const host = await Host.start(
      { interval: 50, window: 1, cooldown: 60_000, dumpDir, cpu: { ...everyTick, profileDuration: 200 }, memory: false, handles: false },
      { nodeArgs: ['--require', breakAddon] },
    );
    await host.send('burn 2000');
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'cpu');
    expect((dump.details as { profiler: string }).profiler).toBe('inspector');
    expect(host.events.some((e) => e.event === 'log' && String(e.m).includes('native profiler addon is not available'))).toBe(true);
    await expectClean(host);
  });

  it('a missing addon is logged once, when holmes starts, not at every profile', async () => {
    const dumpDir = freshDir();
    const breakAddon = new URL('../fixtures/break-addon.cjs', import.meta.url).pathname;
    const host = await Host.start(
      { interval: 50, window: 1, cooldown: 100, dumpDir, cpu: { ...everyTick, profileDuration: 100 }, memory: false, handles: false },
      { nodeArgs: ['--require', breakAddon] },
    );
    const missing = (e: { event: string; m?: unknown }) => e.event === 'log' && String(e.m).includes('native profiler addon is not available');
    expect(host.events.filter(missing)).toHaveLength(1); // logged by start(), before the service is ready
    // the simulated failure, or, where the addon really is not built for this Node (Node 26 unpatched), the real one
    expect(String(host.events.find(missing)!.m)).toContain(addonBuilt() ? 'simulated: holmes_profiler.node was compiled against' : 'not built');
    await host.send('burn 3000');
    await host.waitFor((e) => e.event === 'dump' && e.kind === 'cpu');
    const first = host.events.findIndex((e) => e.event === 'dump');
    await host.waitFor((e) => e.event === 'dump' && e.kind === 'cpu', first + 1);
    expect(host.events.filter(missing)).toHaveLength(1);
    await expectClean(host);
  });

  it('when the service is already profiling itself, holmes still profiles and the service still gets its own profile', async () => {
    const dumpDir = freshDir();
    const host = await Host.start({
      interval: 50,
      window: 1,
      cooldown: 60_000,
      dumpDir,
      cpu: { ...everyTick, profileDuration: 200 },
      memory: false,
      handles: false,
    });
    await host.send('own-profiler-start');
    await host.send('burn 1500');
    await host.waitFor((e) => e.event === 'dump' && e.kind === 'cpu');
    await host.send('own-profiler-stop');
    const own = host.events.find((e) => e.event === 'own-profile')!;
    expect(own.samples as number).toBeGreaterThan(0);
    await expectClean(host);
  });

  it('stop() in the middle of a CPU profile abandons it: no file, nothing left running', async () => {
    const dumpDir = freshDir();
    const host = await Host.start({ interval: 50, window: 1, dumpDir, cpu: { ...everyTick, profileDuration: 60_000 }, memory: false, handles: false });
    await host.waitFor((e) => e.event === 'log' && String(e.m).startsWith('holmes-node: taking a cpu dump'));
    await host.send('stop');
    expect(host.events.some((e) => e.event === 'log' && String(e.m).includes('abandoned'))).toBe(true);
    expect(visibleDumps(dumpDir)).toEqual([]);
    expect(tempFiles(dumpDir)).toEqual([]);
    await expectClean(host);
  });
});

describe('a process killed while writing a heap snapshot', () => {
  it('leaves no file under a final name, and the next start removes its temporary file', async () => {
    const dumpDir = freshDir();
    const host = await heapHost({ dumpDir, interval: 100, memory: false });
    await host.send('grow-heap 150');
    await host.send(`set {"memory":{"enabled":true,"min":0,"diff":0,"abs":0,"maxSnapshotHeap":${2 ** 31}}}`);
    // the snapshot blocks the child's event loop: watch the directory from here (the heap profile written before it,
    // when it has samples, has a temporary file of its own for a moment)
    const snapshotTemps = () => tempFiles(dumpDir).filter((name) => name.endsWith('.heapsnapshot'));
    await waitUntil(() => snapshotTemps().length > 0, "the snapshot's temporary file", { intervalMs: 20 });
    host.kill('SIGTERM');
    expect(await host.exited).toEqual({ code: null, signal: 'SIGTERM' });
    // no snapshot under a final name; the heap profile finished before the snapshot began may be there, and whole
    const visible = visibleDumps(dumpDir);
    expect(visible.filter((name) => !name.endsWith('.heapprofile'))).toEqual([]);
    for (const name of visible) expect(JSON.parse(readFileSync(join(dumpDir, name), 'utf8')).head).toBeDefined();
    expect(tempFiles(dumpDir)).toHaveLength(1);

    const next = await Host.start({ interval: 100, dumpDir, memory: false, cpu: false, handles: false });
    await next.waitFor((e) => e.event === 'log' && String(e.m).includes('removed 1 unfinished dump file'));
    expect(tempFiles(dumpDir)).toEqual([]);
    await expectClean(next);
  });
});
