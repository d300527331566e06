// Checks the package as it would be published: packs it into a temporary directory (prepack builds
// dist/ when needed), then lints the tarball with publint and checks its types with attw
// (types resolve for `import` and `require` under node10, node16 and bundler resolution).
// Exits non-zero if either check fails; both run whatever the first one says.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'holmes-check-package-'));
let failed = 0;
try {
  const pack = spawnSync('npm', ['pack', '--pack-destination', dir], { cwd: root, stdio: 'inherit' });
  const tgz = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (pack.status !== 0 || !tgz) throw new Error('npm pack failed');
  const checks = [
    // --strict: a warning fails the check too
    ['publint', ['run', join(dir, tgz), '--strict']],
    // --profile strict (the default): every resolution mode, node10 included
    ['attw', [join(dir, tgz), '--no-emoji', '--no-color']],
  ];
  for (const [name, args] of checks) {
    console.log(`\n$ ${name} ${args.join(' ')}`);
    const run = spawnSync(bin(name), args, { cwd: root, stdio: 'inherit' });
    if (run.status !== 0) {
      console.log(`${name}: FAILED`);
      failed++;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
