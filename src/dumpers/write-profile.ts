import { cpuCulprit, heapProfileCulprit } from './culprit.js';
import { cpuProfileToPprof, heapProfileToPprof } from './pprof.js';
import type { HeapProfile } from './heap-profile.js';
import type { CpuProfile } from './profiler/types.js';
import type { DumpContext, DumpOutput } from '../rules/define.js';

const DEVTOOLS_EXTENSION = { cpu: 'cpuprofile', heap: 'heapprofile' } as const;

/**
 * Writes a CPU or sampling heap profile in the configured format: DevTools JSON (`.cpuprofile` / `.heapprofile`),
 * gzipped pprof (`.pb.gz`), or both. `file` is the DevTools file when there is one; `details.files` lists all.
 * `heapIntervalBytes` is the sampling interval a heap profile was taken with (pprof unbiases object counts with it).
 */
export async function writeProfile(context: DumpContext, type: 'cpu' | 'heap', profile: CpuProfile | HeapProfile, heapIntervalBytes = 0): Promise<DumpOutput> {
  const { dir, baseName, format } = context;
  await context.ready();
  const files: string[] = [];
  if (format !== 'pprof') {
    files.push(await dir.writeFile(`${baseName}.${DEVTOOLS_EXTENSION[type]}`, JSON.stringify(profile)));
  }
  if (format !== 'devtools') {
    const bytes = type === 'cpu' ? await cpuProfileToPprof(profile as CpuProfile) : await heapProfileToPprof(profile as HeapProfile, heapIntervalBytes);
    files.push(await dir.writeFile(`${baseName}.pb.gz`, bytes));
  }
  // a linear pass over the profile, on the host's thread within the culprit budget (dumpers/culprit.ts)
  const culprit = type === 'cpu' ? cpuCulprit(profile as CpuProfile) : heapProfileCulprit(profile as HeapProfile);
  return { file: files[0]!, details: { files: files.map((file) => file.slice(dir.path.length + 1)) }, ...(culprit ? { culprit } : {}) };
}
