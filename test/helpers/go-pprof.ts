import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/**
 * Runs the real `go tool pprof -top` on a file and returns what it printed. Fails loudly when Go is missing:
 * this is the compatibility check that matters, so it is never skipped.
 */
export function goPprofTop(file: string, ...flags: string[]): string {
  const home = mkdtempSync(join(tmpdir(), 'holmes-go-'));
  const env = { ...process.env, HOME: home, GOCACHE: join(home, 'gocache'), GOPATH: join(home, 'gopath'), GOFLAGS: '' };
  const version = spawnSync('go', ['version'], { env, encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      'The Go toolchain is required for this test (it runs `go tool pprof`): install it with `apt-get update && apt-get install -y golang-go`.',
    );
  }
  const result = spawnSync('go', ['tool', 'pprof', '-top', ...flags, file], { env, encoding: 'utf8', timeout: 170_000 });
  expect(result.error).toBeUndefined();
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}
