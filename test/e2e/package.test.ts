import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_MS, runOk, startChild, tempDir } from '../helpers/child.js';
import { busyShare } from './attribution-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAJOR = Number(process.versions.node.split('.')[0]);

/** The node running the suite first on PATH, so npm runs the install step with it (CI runs the suite per line). */
const USER_ENV = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

/** A fresh project that installs the tarball as a user would: `npm install <tarball>`, with the given flags. */
function installInto(work: string, name: string, tarball: string, flags: string[]): string {
  const project = join(work, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...flags, tarball], { cwd: project, env: USER_ENV });
  return project;
}

describe('the published package', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  beforeAll(() => {
    work = tempDir('holmes-pack-', 'file');
    const packed = JSON.parse(runOk('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }));
    files = (packed[0].files as Array<{ path: string }>).map((f) => f.path).sort();
    tarball = join(work, packed[0].filename);
  }, 180_000); // prepack may have to build dist/ first

  it('ships only what runs; without its install step it falls back to node:inspector, from import and require', () => {
    expect(files).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli.js',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/register.cjs',
      'dist/register.d.cts',
      'dist/register.d.ts',
      'dist/register.js',
      'native/binding.gyp',
      'native/install.mjs',
      'native/profiler.cc',
      'package.json',
      'register/package.json',
    ]);
    // install scripts off: the addon is not built, and the library must fall back to node:inspector by itself
    const project = installInto(work, 'app-no-scripts', tarball, ['--ignore-scripts']);

    const dumpDir = join(work, 'dumps');
    const program = (load: string) => `${load}
      const holmes = new Holmes({ dumpDir: ${JSON.stringify(dumpDir)}, interval: 20, window: 2, cpu: { min: 0, diff: 0, abs: 0, profileDuration: 50 },
        memory: false, handles: false, eventLoop: false, heap: false, gc: false }).start();
      const keep = setInterval(() => {}, 1000);
      holmes.on('dump', async (e) => { console.log(e.kind, e.meta.details.profiler); await holmes.stop(); clearInterval(keep); });
      try { new Holmes({ interval: 1 }); } catch (e) { console.log(e instanceof HolmesConfigError, e.option); }`;
    writeFileSync(join(project, 'esm.mjs'), program("import { Holmes, HolmesConfigError } from 'holmes-node';"));
    writeFileSync(join(project, 'cjs.cjs'), program("const { Holmes, HolmesConfigError } = require('holmes-node');"));
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const out = runOk(process.execPath, [file], { cwd: project, timeoutMs: EXIT_MS });
      expect(out).toBe('true interval\ncpu inspector\n');
    }
    expect(readdirSync(dumpDir).filter((name) => name.endsWith('.cpuprofile'))).toHaveLength(2);
    const help = runOk(join(project, 'node_modules', '.bin', 'holmes-node'), ['--help']);
    expect(help).toContain('ls');
  });

  it(`installed with its install step on Node ${process.versions.node}, a rule-triggered profile names an inlined hot function`, async () => {
    // the install step compiles native/ for this node (python3, make and g++ are in the image, as a user's build needs)
    const project = installInto(work, 'app', tarball, ['--foreground-scripts']);
    expect(readFileSync(join(project, 'node_modules', 'holmes-node', 'native', 'build', 'install.log'), 'utf8')).toContain('gyp info ok');

    // the attribution fixture as a user's service: importing the installed package, default V8 flags
    const service = join(project, 'service.mjs');
    const fixture = readFileSync(fileURLToPath(new URL('../fixtures/attribution.mjs', import.meta.url)), 'utf8');
    writeFileSync(service, fixture.replace("from '../../dist/index.js'", "from 'holmes-node'"));
    cpSync(service, `${service}.orig`); // kept beside it when the test fails, to rerun by hand
    const dumpDir = join(work, 'app-dumps');
    const options = { dumpDir, interval: 100, window: 1, cpu: { min: 5, abs: 8, profileDuration: 1000 } };
    // the async caller: the case named on every line (on Node 24 Maglev may split a timer's or handler's samples
    // with the caller; attribution.test.ts)
    const child = startChild(service, ['async', JSON.stringify(options), '2000'], { flags: ['--unhandled-rejections=strict'], cwd: project });
    const { code } = await child.exit();
    expect(code, child.describe()).toBe(0);
    const dump = child.events.find((e) => e.event === 'dump');
    expect(dump, child.describe()).toBeDefined();
    expect(dump!.details).toMatchObject({ profiler: 'native', attribution: 'eager' });
    const share = busyShare(dump!.file as string, 'hotInHolmesTest');
    expect(share.share, `Node ${process.version} (major ${MAJOR}): ${JSON.stringify(share)}`).toBeGreaterThanOrEqual(0.5);
  });
});
