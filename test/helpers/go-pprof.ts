import { join } from 'node:path';
import { expect } from 'vitest';
import { runSync, tempDir } from './child.js';
import { assertMet, go } from './requirements.js';

export { go } from './requirements.js';

/**
 * Runs the real `go tool pprof -top` on a file and returns what it printed. This is the compatibility check that
 * matters: a test calling it starts with `requires(ctx, go)`, so without Go it is skipped with the reason, and
 * with HOLMES_TEST_REQUIRE_ALL=1 (CI) it fails with the reason. Called without Go anyway, it throws that reason.
 */
export function goPprofTop(file: string, ...flags: string[]): string {
  assertMet(go);
  const home = tempDir('holmes-go-');
  const env = { HOME: home, GOCACHE: join(home, 'gocache'), GOPATH: join(home, 'gopath'), GOFLAGS: '' };
  const result = runSync('go', ['tool', 'pprof', '-top', ...flags, file], { env, timeoutMs: 170_000 });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}
