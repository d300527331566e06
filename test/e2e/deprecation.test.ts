// A host run with --pending-deprecation --throw-deprecation: a deprecation raised by holmes-node or what it loads is
// thrown on a later tick, where nothing can catch it, and kills the host. Real children, real profiles.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, runScenario } from '../helpers/child.js';
import { addonBuilt } from '../helpers/requirements.js';

const STRICT = ['--pending-deprecation', '--throw-deprecation'];
const cpuOptions = (dumpDir: string) => ({
  dumpDir,
  interval: 100,
  window: 5,
  cpu: { min: 10, diff: 50, abs: 50, profileDuration: 500 },
  memory: false,
  handles: false,
});

describe('--pending-deprecation --throw-deprecation', () => {
  it.each([
    ['the profiler addon as installed', []],
    ['the profiler addon installed but not built for this Node', ['--require', fixture('unbuilt-addon.cjs')]],
  ])('with %s, a CPU dump is taken and the host lives on to exit by itself', async (_name, preload) => {
    const dumpDir = freshDir();
    const result = await runScenario('cpu', cpuOptions(dumpDir), {}, [...STRICT, ...preload]);
    expect(result.stderr).not.toMatch(/DeprecationWarning/);
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump');
    expect(dump?.kind).toBe('cpu');
    // the profile was taken by the addon where it is built, by node:inspector where it is not
    const meta = JSON.parse(readFileSync(String(dump?.metaFile), 'utf8')) as { details: { profiler: string } };
    expect(meta.details.profiler).toBe(preload.length === 0 && addonBuilt() ? 'native' : 'inspector');
  });
});
