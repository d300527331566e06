import { chownSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestPath } from '../../src/ondemand/request.js';
import { CLI, runCli } from '../cli/run-cli.js';
import { Host, freshDir, runOk, startChild, waitUntil } from '../helpers/child.js';
import { requires, root } from '../helpers/requirements.js';

/** A service that opted in to requests on SIGUSR2, with every rule quiet: what it dumps, it dumps on demand. */
function serviceOptions(dumpDir: string, extra: object = {}): object {
  return {
    dumpDir,
    signal: 'SIGUSR2',
    cpu: { enabled: false, profileDuration: 500 },
    // on, so its always-ready heap profiler runs, but never firing (at most 100 % of the limit)
    memory: { min: 100, abs: 100, diff: 1e9 },
    handles: { min: 1e8, abs: 1e9, diff: 1e9, trackStacks: true },
    ...extra,
  };
}

/** A service with its dump directory in place: the directory is prepared in the background after start(). */
async function startService(dumpDir: string, extra: object = {}): Promise<Host> {
  const host = await Host.start(serviceOptions(dumpDir, extra));
  await waitUntil(() => existsSync(dumpDir), 'the dump directory');
  return host;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('on-demand dumps', () => {
  it('holmes.dump(kind) writes each kind through the pipeline: 0600 files, a meta with trigger manual, the dump event', async () => {
    const dumpDir = freshDir();
    const host = await startService(dumpDir);
    // allocate first: the heap profile is the live heap, and one with no samples is never written
    await host.send('grow-heap 10');
    for (const [kind, extension] of [
      ['cpu', '.cpuprofile'],
      ['heapprofile', '.heapprofile'],
      ['heapsnapshot', '.heapsnapshot'],
      ['handles', '.handles.json'],
      ['report', '.report.json'],
    ] as const) {
      const from = host.events.length;
      await host.send(`dump ${kind}`);
      const dumped = await host.waitFor((e) => e.event === 'dumped', from);
      expect(dumped.file, host.describe()).toMatch(new RegExp(`/${kind}-\\d{8}T\\d{6}\\.\\d{3}Z-${host.pid}\\${extension}$`));
      const event = await host.waitFor((e) => e.event === 'dump' && e.kind === kind, from);
      expect(event.reason).toEqual({ rule: kind, trigger: 'manual', via: 'code' });
      const meta = JSON.parse(readFileSync(event.metaFile as string, 'utf8'));
      expect(meta).toMatchObject({ kind, reason: { trigger: 'manual' }, pid: host.pid });
      expect(mode(dumped.file as string)).toBe(0o600);
      expect(mode(event.metaFile as string)).toBe(0o600);
    }
    const report = JSON.parse(
      readFileSync(
        readdirSync(dumpDir)
          .map((n) => join(dumpDir, n))
          .find((n) => n.endsWith('.report.json'))!,
        'utf8',
      ),
    );
    expect(report.header.processId).toBe(host.pid);
    expect(mode(dumpDir)).toBe(0o700);
    expect(await host.ping()).toBe('pong');
    expect(await host.exit()).toEqual({ code: 0, signal: null });
  });

  it('holmes.dump counts against maxDumpsPerHour like a rule', async () => {
    const host = await Host.start(serviceOptions(freshDir(), { maxDumpsPerHour: 1 }));
    await host.send('dump handles');
    const from = host.events.length;
    await host.send('dump handles');
    const skip = await host.waitFor((e) => e.event === 'skip', from);
    expect(skip.reason).toMatch(/reached maxDumpsPerHour \(1\)/);
    expect(host.events.slice(from).find((e) => e.event === 'dumped')?.file).toBeNull();
  });

  it('holmes-node dump <pid> cpu | heapprofile | heapsnapshot: the process dumps and the command prints the path', async () => {
    const dumpDir = freshDir();
    const host = await startService(dumpDir);
    // allocate first: the heap profile is the live heap, and one with no samples is never written
    await host.send('grow-heap 10');
    await host.send('burn 60000');
    for (const kind of ['cpu', 'heapprofile', 'heapsnapshot']) {
      const result = runCli(['dump', String(host.pid), kind, '--dir', dumpDir]);
      expect(result.code, `${result.stderr}\n${host.describe()}`).toBe(0);
      const file = result.stdout.trim();
      expect(file.startsWith(join(dumpDir, `${kind}-`))).toBe(true);
      expect(existsSync(file)).toBe(true);
      const event = await host.waitFor((e) => e.event === 'dump' && e.file === file);
      expect(event.reason).toMatchObject({ rule: kind, trigger: 'manual', via: 'signal', requestedBy: process.getuid!() });
      expect(existsSync(requestPath(dumpDir, host.pid))).toBe(false);
    }
    const json = JSON.parse(
      runOk(process.execPath, [join(import.meta.dirname, '../../dist/cli.js'), 'dump', String(host.pid), 'handles', '--dir', dumpDir, '--json']),
    );
    expect(json).toMatchObject({ pid: host.pid, kind: 'handles', meta: { kind: 'handles', reason: { trigger: 'manual', via: 'signal' } } });
    expect(await host.ping()).toBe('pong');
  });

  it('the command refuses a process that did not opt in, and sends it nothing (SIGUSR2 would end it)', async () => {
    const dumpDir = freshDir();
    const host = await Host.start({ dumpDir, cpu: false, memory: false, handles: false });
    const result = runCli(['dump', String(host.pid), 'cpu', '--dir', dumpDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^holmes-node: process \d+ does not catch SIGUSR2: it has not opted in/);
    expect(await host.ping()).toBe('pong');
    expect(existsSync(requestPath(dumpDir, host.pid))).toBe(false);
    expect(runCli(['dump', String(host.pid), 'everything']).code).toBe(2);
  });

  it('a request the process cannot fulfil is answered with the reason: the command ends at once, not at its timeout', async () => {
    const dumpDir = freshDir();
    // every heap rule off: no sampling heap profiler runs, so a heap profile cannot be taken
    const host = await startService(dumpDir, { memory: false, heap: false, gc: false });
    const result = runCli(['dump', String(host.pid), 'heapprofile', '--dir', dumpDir, '--timeout', '30']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/took the request but wrote no heapprofile dump: .*no sampling heap profiler is running/);
    expect(readdirSync(dumpDir).filter((name) => name.endsWith('.refused') || name.endsWith('.meta.json'))).toEqual([]);
    expect(await host.ping()).toBe('pong');
  });

  it('a request whose dump fails is answered with the error, one whose capture stop() abandons with that, each at once', async () => {
    const dumpDir = freshDir();
    // any heap is above a 1-byte ceiling: the snapshot is refused by its preflight, a failure (an error event)
    const host = await startService(dumpDir, {
      cpu: { enabled: false, profileDuration: 60_000 },
      memory: { min: 100, abs: 100, diff: 1e9, maxSnapshotHeap: 1 },
    });
    const failed = runCli(['dump', String(host.pid), 'heapsnapshot', '--dir', dumpDir, '--timeout', '30']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(
      /took the request but wrote no heapsnapshot dump: holmes-node: heapsnapshot dump failed: heap snapshot refused: heap of .* is above memory\.maxSnapshotHeap/,
    );
    expect(await host.waitFor((e) => e.event === 'error')).toMatchObject({ code: 'HOLMES_DUMP' });
    // a minute-long CPU profile, abandoned by stop() while the command waits: it ends with that, not at its timeout
    const from = host.events.length;
    const command = startChild(CLI, ['dump', String(host.pid), 'cpu', '--dir', dumpDir, '--timeout', '90']);
    await host.waitFor((e) => e.event === 'log' && String(e.m).includes('taking a cpu dump'), from);
    await host.send('stop');
    expect(await command.exit()).toEqual({ code: 1, signal: null });
    expect(command.stderr).toMatch(/took the request but wrote no cpu dump: cpu capture abandoned by stop\(\); nothing written/);
    expect(readdirSync(dumpDir).filter((name) => name.endsWith('.refused') || name.endsWith('.meta.json'))).toEqual([]);
    expect(await host.ping()).toBe('pong');
  });

  it('a signal without a request file dumps nothing and says so (HOLMES_REQUEST)', async () => {
    const dumpDir = freshDir();
    const host = await startService(dumpDir);
    host.kill('SIGUSR2');
    const error = await host.waitFor((e) => e.event === 'error');
    expect(error).toMatchObject({ code: 'HOLMES_REQUEST' });
    expect(error.message).toMatch(/the signal came without a request file/);
    expect(await host.ping()).toBe('pong');
    // the directory is prepared in the background at start: it may not be there yet, and then holds nothing either
    expect(existsSync(dumpDir) ? readdirSync(dumpDir).filter((name) => name.endsWith('.meta.json')) : []).toEqual([]);
  });

  it('a request planted by another user (tester) is refused with an error event, removed, and nothing is dumped', async (ctx) => {
    requires(ctx, root);
    const dumpDir = freshDir();
    const host = await startService(dumpDir);
    const tester = Number(runOk('id', ['-u', 'tester']).trim());
    const slot = requestPath(dumpDir, host.pid);
    writeFileSync(slot, JSON.stringify({ kind: 'heapsnapshot', id: 'abad1dea' }), { mode: 0o600 });
    chownSync(slot, tester, tester);
    host.kill('SIGUSR2');
    const error = await host.waitFor((e) => e.event === 'error');
    expect(error).toMatchObject({ code: 'HOLMES_REQUEST' });
    expect(error.message).toContain(`is owned by uid ${tester}; only uid 0 (this process's user) or root may ask`);
    await waitUntil(() => !existsSync(slot), 'the refused request to be removed');
    expect(readdirSync(dumpDir).filter((name) => name.endsWith('.meta.json'))).toEqual([]);
    expect(await host.ping()).toBe('pong');
  });
});
