import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_MS, runOk, tempDir } from '../helpers/child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the published package', () => {
  it('installs from its npm pack tarball into a fresh project, ships only what runs, and works from import and require', () => {
    const work = tempDir('holmes-pack-');
    const packed = JSON.parse(runOk('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }));
    const files = (packed[0].files as Array<{ path: string }>).map((f) => f.path).sort();
    expect(files).toEqual(['LICENSE', 'README.md', 'dist/cli.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.ts', 'dist/index.js', 'package.json']);

    const project = join(work, 'app');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // optional native addon left out: the library must then fall back to node:inspector by itself
    runOk('npm', ['install', '--prefer-offline', '--omit=optional', '--no-audit', '--no-fund', join(work, packed[0].filename)], { cwd: project });

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
});
