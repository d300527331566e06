/**
 * What some tests need from the machine, said once, with the reason.
 *
 *   it('mounts a tmpfs', (ctx) => { requires(ctx, canMount); ... });
 *
 * A test whose requirement is missing is skipped, and the reason is printed (the skip note in the report, and a
 * warning line). With HOLMES_TEST_REQUIRE_ALL=1 (CI sets it) a missing requirement fails the test with the same
 * reason instead: on CI every test must really run.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { binaryFile } from '../../src/dumpers/profiler/native.js';

export const REQUIRE_ALL = process.env.HOLMES_TEST_REQUIRE_ALL === '1';

export interface Requirement {
  readonly name: string;
  /** Why a test needs it, and how to provide it. */
  readonly reason: string;
  /** Whether this machine has it (checked once, when first asked). */
  readonly met: boolean;
}

/** A named requirement; `predicate` runs at most once, when first asked, and a throw counts as not met. */
export function requirement(name: string, predicate: () => boolean, reason: string): Requirement {
  let met: boolean | undefined;
  return {
    name,
    reason,
    get met() {
      if (met === undefined) {
        try {
          met = predicate();
        } catch {
          met = false;
        }
      }
      return met;
    },
  };
}

/** The requirements among these that this machine lacks. */
export function missing(...requirements: Requirement[]): Requirement[] {
  return requirements.filter((r) => !r.met);
}

/** The sentence a skip or a failure carries. */
export function describeMissing(requirements: Requirement[]): string {
  return `missing requirement ${requirements.map((r) => `"${r.name}" (${r.reason})`).join(', ')}`;
}

/**
 * Call first in a test: returns if every requirement is met; otherwise skips the test with the reason, or, with
 * HOLMES_TEST_REQUIRE_ALL=1, fails it with the reason.
 */
export function requires(ctx: TestContext, ...requirements: Requirement[]): void {
  const lacking = missing(...requirements);
  if (lacking.length === 0) return;
  const message = describeMissing(lacking);
  if (REQUIRE_ALL) throw new Error(`${message}; HOLMES_TEST_REQUIRE_ALL=1, so a missing requirement fails the test`);
  console.warn(`skipped "${ctx.task.name}": ${message}`);
  ctx.skip(message);
}

/** Throws with the reason unless met: for helpers that cannot skip (the test should have called `requires` first). */
export function assertMet(...requirements: Requirement[]): void {
  const lacking = missing(...requirements);
  if (lacking.length > 0) throw new Error(describeMissing(lacking));
}

// ---------------------------------------------------------------------------------------------------------------

export const root = requirement('root', () => process.getuid?.() === 0, 'runs as root: it mounts file systems or creates cgroups');

/** A second, unprivileged local user named `tester` (`useradd tester`): the attacker of the security tests. */
export const testerUser = requirement(
  'user tester',
  () => spawnSync('id', ['-u', 'tester']).status === 0,
  'a second local user named tester (useradd tester) plays the unprivileged attacker',
);

/** Root that may mount: checked by mounting and unmounting a small tmpfs (a container may deny it even to root). */
export const canMount = requirement(
  'mount tmpfs',
  () => {
    if (process.getuid?.() !== 0) return false;
    const target = mkdtempSync(join(tmpdir(), 'holmes-mount-probe-'));
    try {
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', target], { stdio: 'ignore', timeout: 10_000 });
      if (mounted.status !== 0) return false;
      spawnSync('umount', [target], { stdio: 'ignore', timeout: 10_000 });
      return true;
    } finally {
      try {
        rmdirSync(target);
      } catch {
        // still mounted: left for the machine's tmp cleaning
      }
    }
  },
  'runs as root allowed to mount (CAP_SYS_ADMIN): it mounts a read-only or a full tmpfs as the dump directory',
);

/** This process's own directory of a cgroup v1 controller, from /proc/self/cgroup, or null. */
export function ownCgroupV1Dir(controller: string): string | null {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[1]?.split(',').includes(controller));
  return line ? join('/sys/fs/cgroup', controller, line.split(':')[2]!) : null;
}

/** cgroup v1 memory and cpu controllers, mounted writable where this process lives. */
export const cgroupV1 = requirement(
  'cgroup v1',
  () =>
    ['memory', 'cpu'].every((controller) => {
      const dir = ownCgroupV1Dir(controller);
      if (!dir) return false;
      accessSync(dir, constants.W_OK);
      return true;
    }),
  'a writable cgroup v1 hierarchy with the memory and cpu controllers (/proc/self/cgroup, /sys/fs/cgroup/{memory,cpu})',
);

/** The Go toolchain, for `go tool pprof`. */
export const go = requirement(
  'go',
  () => spawnSync('go', ['version'], { stdio: 'ignore', timeout: 60_000 }).status === 0,
  'the Go toolchain, to read the pprof output with `go tool pprof`: install it with `apt-get update && apt-get install -y golang-go`',
);

/** holmes-node's native profiler addon (native/), built by the install step for the Node running the tests. */
export function addonBuilt(): boolean {
  return existsSync(binaryFile());
}

/** The native addon itself, for tests of its own behaviour. */
export const nativeAddon = requirement(
  'native addon',
  addonBuilt,
  `holmes-node's native addon built for Node ${process.versions.node} (\`npm rebuild holmes-node\`, or \`npm run install\` in this checkout)`,
);

/**
 * A profiler that names a hot function in a profile started late: holmes-node's eager profiler (the addon), or any
 * profiler on Node 20. Without it, Node 22 and later charge an inlined or on-stack-replaced function to its caller
 * (the README's attribution section; the dump says `attribution: 'late'`).
 */
export const namingProfiler = requirement(
  'eager profiler',
  () => Number(process.versions.node.split('.')[0]) < 22 || addonBuilt(),
  `holmes-node's native addon built for Node ${process.versions.node} (\`npm rebuild holmes-node\`): without it a late profile on Node >= 22 charges the burning function to its caller`,
);
