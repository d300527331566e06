import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNodeSync, runOk, tempDir } from '../helpers/child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** The lowest supported @types/node (package.json peerDependencies), installed as the devDependency alias @types/node-lowest. */
const LOWEST = join(root, 'node_modules', '@types', 'node-lowest');

/** A consumer project: the packed tarball unpacked as node_modules/holmes-node, and the lowest @types/node. */
let project: string;
beforeAll(() => {
  const work = tempDir('holmes-types-', 'file');
  const packed = JSON.parse(runOk('npm', ['pack', '--json', '--pack-destination', work], { cwd: root })) as Array<{ filename: string }>;
  project = join(work, 'app');
  const installed = join(project, 'node_modules', 'holmes-node');
  mkdirSync(installed, { recursive: true });
  runOk('tar', ['xzf', join(work, packed[0]!.filename), '-C', installed, '--strip-components=1']);
  mkdirSync(join(project, 'node_modules', '@types'));
  symlinkSync(LOWEST, join(project, 'node_modules', '@types', 'node'), 'dir');
  for (const file of readdirSync(fileURLToPath(new URL('../types/', import.meta.url)))) {
    copyFileSync(fileURLToPath(new URL(`../types/${file}`, import.meta.url)), join(project, file));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
}, 120_000);

describe('the published types, for a consumer with the lowest supported @types/node', () => {
  it.each([false, true])('compile with skipLibCheck %s (ESM and CommonJS consumers)', (skipLibCheck) => {
    const config = {
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck },
      files: ['consumer.mts', 'consumer.cts'],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(config));
    const run = runNodeSync([tsc, '-p', project, '--pretty', 'false']);
    // @types/node 20.12 predates TypeScript 5.7's generic typed arrays, so without skipLibCheck its own Buffer
    // declarations fail under this TypeScript whoever imports them: those lines are @types/node's, not ours. Every
    // other line (holmes-node's .d.ts, the consumer) must be clean.
    const ours = (run.stdout + run.stderr).split('\n').filter((line) => /error TS\d+/.test(line) && !/node_modules\/@types\/node(-lowest)?\//.test(line));
    expect(ours, 'tsc output').toEqual([]);
    if (skipLibCheck) expect(run.code).toBe(0);
  });
});
