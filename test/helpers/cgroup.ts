import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHILD_FLAGS, EXIT_MS, defer, runOk } from './child.js';
import { ownCgroupV1Dir } from './requirements.js';

/**
 * A new cgroup v1 directory under this process's own one for `controller` (the `cgroupV1` requirement checked it is
 * there), removed at teardown once its processes are gone.
 */
export function v1Cgroup(controller: string, name: string): string {
  const own = ownCgroupV1Dir(controller);
  if (!own) throw new Error(`no cgroup v1 ${controller} controller in /proc/self/cgroup`);
  const dir = join(own, `${name}-${process.pid}`);
  mkdirSync(dir);
  defer(() => {
    try {
      rmdirSync(dir);
    } catch {
      // still has a process in it, or already gone
    }
  });
  return dir;
}

/** Runs a Node fixture inside the given cgroups to its end (the shell joins each, then becomes the Node child); returns stdout. */
export function runNodeInCgroups(cgroups: string[], script: string, args: string[] = []): string {
  const enter = cgroups.map((dir) => `echo $$ > ${dir}/cgroup.procs`).join(' && ');
  return runOk('sh', ['-c', `${enter} && exec "$0" "$@"`, process.execPath, ...CHILD_FLAGS, script, ...args], { timeoutMs: EXIT_MS });
}
