// The dump directory against a hostile local user (README, "Security"): a root service must not hand a heap
// snapshot, secrets included, to another user, overwrite a file through a planted link, or change a directory it did
// not create. The attacker is a real second user (`tester`) running test/fixtures/racer.mjs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Child, type ChildEvent, defer, fixture, Host, runOk, tempDir, waitUntil } from '../helpers/child.js';
import { requires, root, testerUser } from '../helpers/requirements.js';

const everyTick = { min: 0, diff: 0, abs: 0 };
const quick = { interval: 50, window: 1, cooldown: 100, cpu: false, handles: false, memory: false };
const holmesFiles = (dir: string): string[] => readdirSync(dir).filter((name) => /^(cpu|memory|handles|eventLoop)-|^\.holmes-tmp-/.test(name));

const testerId = (): { uid: number; gid: number } => ({ uid: Number(runOk('id', ['-u', 'tester'])), gid: Number(runOk('id', ['-g', 'tester'])) });

/** A directory everyone may traverse (so `tester` reaches what is placed in it), removed at teardown. */
function sharedBase(): string {
  const base = tempDir('holmes-security-');
  chmodSync(base, 0o755);
  return base;
}

/** A directory or file owned by tester. */
function testerOwned(path: string, mode: number, file?: string): string {
  const { uid, gid } = testerId();
  if (file === undefined) mkdirSync(path);
  else writeFileSync(path, file);
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return path;
}

/** The racer, run as tester, replacing every holmes-node temp file in `dir` by a link to one of `targets` in turn. */
async function startRacer(dir: string, ...targets: string[]): Promise<Child> {
  const proc = spawn('runuser', ['-u', 'tester', '--', process.execPath, fixture('racer.mjs'), dir, ...targets], { stdio: ['pipe', 'pipe', 'pipe'] });
  const racer = new Child(proc, 'racer.mjs');
  defer(() => proc.stdin?.end()); // a kill would end runuser, not the racer under it
  await racer.waitFor((e) => e.event === 'ready');
  return racer;
}

async function stopRacer(racer: Child): Promise<void> {
  racer.proc.stdin?.end();
  await racer.exit();
}

async function dirErrors(host: Host, count: number): Promise<Array<Record<string, unknown>>> {
  await waitUntil(() => host.events.filter((e) => e.event === 'error').length >= count, `${count} error events`);
  return host.events.filter((e) => e.event === 'error');
}

describe('a hostile local user', () => {
  it('racing the heap snapshot in a directory it owns or controls gets nothing, and overwrites nothing: the root service refuses the directory', async (ctx) => {
    requires(ctx, root, testerUser);
    const { uid } = testerId();
    const secret = `holmes-secret-${randomBytes(12).toString('hex')}`;
    const base = sharedBase();
    const loot = testerOwned(join(base, 'loot'), 0o666, '');
    const victim = join(base, 'victim');
    writeFileSync(victim, 'precious', { mode: 0o644 });

    const ownedByTester = testerOwned(join(base, 'tester-dumps'), 0o755);
    const testerParent = testerOwned(join(base, 'tester-home'), 0o755);
    const underTester = join(testerParent, 'dumps');
    mkdirSync(underTester, { mode: 0o700 }); // root's own directory, but tester may move it away and plant a link
    const cases = [
      { dumpDir: ownedByTester, watched: ownedByTester, refusal: `owned by uid ${uid}, not by this process (uid 0)` },
      { dumpDir: underTester, watched: underTester, refusal: `parent ${testerParent} is owned by uid ${uid}` },
    ];
    for (const { dumpDir, watched, refusal } of cases) {
      const racer = await startRacer(watched, loot, victim);
      const host = await Host.start({ ...quick, memory: everyTick, dumpDir }, { env: { HOLMES_TEST_SECRET: secret } });
      // refused at start(), and again at each dump the memory rule tries
      const errors = await dirErrors(host, 3);
      for (const error of errors) {
        expect(error.code).toBe('HOLMES_DUMP_DIR');
        expect(String(error.message)).toContain(refusal);
      }
      expect(host.count('dump')).toBe(0);
      await host.exit();
      await stopRacer(racer);
      expect(holmesFiles(dumpDir)).toEqual([]);
    }
    expect(readFileSync(loot, 'utf8')).not.toContain(secret);
    expect(readFileSync(victim, 'utf8')).toBe('precious');

    // the control: in root's own directory the snapshot is written, holds the secret, and tester cannot touch it
    const safe = join(base, 'root-dumps');
    const racer = await startRacer(safe, loot, victim);
    const host = await Host.start({ ...quick, memory: everyTick, dumpDir: safe }, { env: { HOLMES_TEST_SECRET: secret } });
    // the snapshot is the dump itself, or written beside the heap profile (details.files) when that has samples
    const snapshotOf = (e: ChildEvent) =>
      [String(e.file), ...((e.details as { files?: string[] } | undefined)?.files ?? []).map((name) => join(safe, name))].find((f) =>
        f.endsWith('.heapsnapshot'),
      );
    const dump = await host.waitFor((e) => e.event === 'dump' && snapshotOf(e) !== undefined);
    await host.exit();
    await stopRacer(racer);
    const snapshot = snapshotOf(dump)!;
    expect(readFileSync(snapshot, 'utf8')).toContain(secret);
    expect(statSync(snapshot).mode & 0o777).toBe(0o600);
    expect(statSync(safe).mode & 0o777).toBe(0o700);
    expect(racer.count('swapped')).toBe(0);
    expect(readFileSync(loot, 'utf8')).not.toContain(secret);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('planting the default directory <tmpdir>/holmes-node-<uid> first: the service refuses it, names its owner, writes nothing there', async (ctx) => {
    requires(ctx, root, testerUser);
    const { uid } = testerId();
    const tmp = join(sharedBase(), 'tmp');
    mkdirSync(tmp);
    chmodSync(tmp, 0o1777); // a /tmp of its own: everyone may create, no one may move another's entry
    runOk('runuser', ['-u', 'tester', '--', 'mkdir', '-m', '0755', join(tmp, 'holmes-node-0')]);
    const host = await Host.start({ ...quick, handles: everyTick }, { env: { TMPDIR: tmp } });
    expect(host.events.find((e) => e.event === 'ready')?.dumpDir).toBe(join(tmp, 'holmes-node-0'));
    const errors = await dirErrors(host, 2);
    expect(errors.map((e) => e.code)).toEqual(['HOLMES_DUMP_DIR', 'HOLMES_DUMP_DIR']);
    expect(String(errors[0]!.message)).toContain(`${join(tmp, 'holmes-node-0')} is not usable: it is owned by uid ${uid}`);
    expect(host.count('dump')).toBe(0);
    await host.exit();
    expect(readdirSync(join(tmp, 'holmes-node-0'))).toEqual([]);
    expect(statSync(join(tmp, 'holmes-node-0')).mode & 0o7777).toBe(0o755);
  });
});

describe('the dump directory', () => {
  it('a shared directory the service owns (0755) is used as it is, never chmodded; the dumps are 0600 and the log says names are visible', async () => {
    const shared = tempDir('holmes-shared-');
    chmodSync(shared, 0o755);
    const host = await Host.start({ ...quick, handles: everyTick, dumpDir: shared });
    const dump = await host.waitFor((e) => e.event === 'dump');
    await host.exit();
    expect(statSync(shared).mode & 0o7777).toBe(0o755);
    expect(statSync(String(dump.file)).mode & 0o777).toBe(0o600);
    expect(host.events.filter((e) => e.event === 'log' && /readable by other users \(mode 0755\)/.test(String(e.m)))).toHaveLength(1);
  });

  it('a symlinked dumpDir is refused; nothing is created or changed behind the link', async () => {
    const base = tempDir();
    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o755 });
    symlinkSync(real, join(base, 'dumps'));
    const host = await Host.start({ ...quick, handles: everyTick, dumpDir: join(base, 'dumps') });
    const errors = await dirErrors(host, 2);
    expect(errors.every((e) => e.code === 'HOLMES_DUMP_DIR' && /symbolic link \(to .*real\)/.test(String(e.message)))).toBe(true);
    await host.exit();
    expect(readdirSync(real)).toEqual([]);
    expect(statSync(real).mode & 0o7777).toBe(0o755);
  });

  it('swapped for a link while the service runs: later dumps are refused, nothing goes where the link points', async () => {
    const base = tempDir();
    const dumpDir = join(base, 'dumps');
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    const host = await Host.start({ ...quick, handles: everyTick, dumpDir });
    await host.waitFor((e) => e.event === 'dump');
    renameSync(dumpDir, join(base, 'moved'));
    symlinkSync(elsewhere, dumpDir);
    const from = host.events.length;
    await host.waitFor((e) => e.event === 'error' && e.code === 'HOLMES_DUMP_DIR' && /symbolic link/.test(String(e.message)), from);
    await host.exit();
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(join(base, 'moved'))).toBe(true);
  });
});
