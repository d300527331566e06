import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import type { HeapProfile, HeapProfileNode } from './heap-profile.js';
import type { CpuProfile, CpuProfileNode } from './profiler/types.js';

// Async so a multi-megabyte profile does not stall the service being diagnosed.
const gzip = promisify(gzipCallback);

type CallFrame = CpuProfileNode['callFrame'];

/** V8's synthetic tree root: not a frame that ran, so it never appears in a stack. */
const ROOT = '(root)';

/**
 * Interns pprof Functions and Locations for one profile. Ids are 1-based: 0 means "none" in pprof.
 * Functions are keyed by (name, file, start line); Locations add the column, so two functions declared
 * on one line (minified bundles) stay distinct locations even though pprof merges them by name.
 */
class Frames {
  readonly strings = new StringTable();
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<string, number>();

  locationId(frame: CallFrame): number {
    const name = frame.functionName || '(anonymous)';
    const file = fileName(frame.url);
    // DevTools positions are 0-based with -1 for "unknown"; pprof's are 1-based with 0 for "unknown".
    const line = Math.max(frame.lineNumber + 1, 0);
    const column = Math.max(frame.columnNumber + 1, 0);

    const functionKey = JSON.stringify([name, file, line]);
    let functionId = this.functionIds.get(functionKey);
    if (functionId === undefined) {
      functionId = this.functions.length + 1;
      const nameId = this.strings.dedup(name);
      const filename = this.strings.dedup(file);
      this.functions.push(new PprofFunction({ id: functionId, name: nameId, systemName: nameId, filename, startLine: line }));
      this.functionIds.set(functionKey, functionId);
    }

    const locationKey = `${functionId}:${column}`;
    let id = this.locationIds.get(locationKey);
    if (id === undefined) {
      id = this.locations.length + 1;
      this.locations.push(new Location({ id, line: [new Line({ functionId, line, column })] }));
      this.locationIds.set(locationKey, id);
    }
    return id;
  }

  valueType(type: string, unit: string): ValueType {
    return new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
  }
}

/** ESM frames carry `file://` URLs; pprof tools show and match plain paths. */
function fileName(url: string): string {
  if (!url.startsWith('file://')) return url;
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

async function encode(profile: Profile): Promise<Uint8Array> {
  // encodeAsync yields between sections; same bytes as encode().
  return gzip(await profile.encodeAsync());
}

/**
 * Wall-clock start of a CPU profile, in ns since the epoch. V8 stamps `startTime` on the monotonic clock
 * that `process.hrtime` reads, so the profile's age maps it onto `Date.now()`. A profile from another boot
 * or host can land in the future; it then falls back to "ended just now".
 */
function cpuStartNanos(profile: CpuProfile): bigint {
  const nowMicros = Number(process.hrtime.bigint() / 1000n);
  const ageMicros = nowMicros - profile.startTime;
  const startMs = ageMicros >= 0 ? Date.now() - ageMicros / 1000 : Date.now() - (profile.endTime - profile.startTime) / 1000;
  return epochNanos(startMs);
}

/** Epoch nanoseconds overflow 2^53, so they travel as bigint. */
function epochNanos(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}

/**
 * Converts a DevTools CPU profile to a gzipped pprof protobuf (`.pb.gz`) for `go tool pprof`, Pyroscope or Grafana.
 *
 * Sample types are `samples/count` and `cpu/nanoseconds`; the period is the mean sampling interval.
 * DevTools samples are aggregated per profile node (one pprof Sample per distinct stack), so the
 * `samples` values add up to `profile.samples.length`. Stacks are leaf-first and omit V8's `(root)`;
 * `(program)`, `(idle)` and `(garbage collector)` stay as functions of their own.
 */
export async function cpuProfileToPprof(profile: CpuProfile): Promise<Uint8Array> {
  const frames = new Frames();
  const sampleTypes = [frames.valueType('samples', 'count'), frames.valueType('cpu', 'nanoseconds')];

  const byId = new Map<number, CpuProfileNode>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }

  // timeDeltas[i] is the gap BEFORE sample i (from startTime for i = 0). A sample shows what ran from its
  // tick until the next one, so sample i is charged timeDeltas[i + 1] — as Chrome DevTools draws it — and
  // the last sample, with no next tick, the mean. V8 occasionally emits negative deltas; those count as 0.
  const n = profile.samples.length;
  const deltas = profile.timeDeltas.map((d) => Math.max(d, 0));
  const meanMicros = n > 0 ? deltas.slice(0, n).reduce((a, b) => a + b, 0) / n : 0;

  const totals = new Map<number, { count: number; micros: number }>();
  for (let i = 0; i < n; i++) {
    const nodeId = profile.samples[i]!;
    const total = totals.get(nodeId) ?? { count: 0, micros: 0 };
    total.count += 1;
    total.micros += i + 1 < n ? (deltas[i + 1] ?? 0) : meanMicros;
    totals.set(nodeId, total);
  }

  const sample: Sample[] = [];
  for (const [nodeId, { count, micros }] of totals) {
    const stack: number[] = [];
    for (let id: number | undefined = nodeId; id !== undefined; id = parentOf.get(id)) {
      const node = byId.get(id);
      if (node && node.callFrame.functionName !== ROOT) stack.push(frames.locationId(node.callFrame));
    }
    sample.push(new Sample({ locationId: stack, value: [count, Math.round(micros * 1000)] }));
  }

  return encode(
    new Profile({
      sampleType: sampleTypes,
      sample,
      location: frames.locations,
      function: frames.functions,
      stringTable: frames.strings,
      timeNanos: cpuStartNanos(profile),
      durationNanos: Math.round((profile.endTime - profile.startTime) * 1000),
      periodType: sampleTypes[1],
      period: Math.round(meanMicros * 1000),
    }),
  );
}

/**
 * Converts a DevTools sampling heap profile (live allocations) to a gzipped pprof protobuf (`.pb.gz`).
 *
 * Sample types are `inuse_objects/count` and `inuse_space/bytes`, as @datadog/pprof (and so Pyroscope's
 * Node.js agent) writes them; `go tool pprof -sample_index=inuse_space` selects the bytes.
 * `samplingIntervalBytes` must be the interval the profile was taken with: it unbiases object counts.
 */
export async function heapProfileToPprof(profile: HeapProfile, samplingIntervalBytes: number): Promise<Uint8Array> {
  const frames = new Frames();
  const sampleTypes = [frames.valueType('inuse_objects', 'count'), frames.valueType('inuse_space', 'bytes')];

  // selfSize is already V8's unbiased estimate; object counts are not in the tree, so rebuild them from the
  // raw samples the way V8 scales them (count / (1 - e^(-size/interval)), rounded per node and size).
  const rawCounts = new Map<number, Map<number, number>>();
  for (const { nodeId, size } of profile.samples ?? []) {
    const bySize = rawCounts.get(nodeId) ?? new Map<number, number>();
    bySize.set(size, (bySize.get(size) ?? 0) + 1);
    rawCounts.set(nodeId, bySize);
  }
  const objectsAt = (nodeId: number): number => {
    let objects = 0;
    for (const [size, count] of rawCounts.get(nodeId) ?? []) {
      objects += Math.floor(count / (1 - Math.exp(-size / samplingIntervalBytes)) + 0.5);
    }
    return objects;
  };

  const sample: Sample[] = [];
  // Iterative walk: allocation trees can be deeper than the JS stack is comfortable with.
  const pending: Array<{ node: HeapProfileNode; parentStack: number[] }> = [{ node: profile.head, parentStack: [] }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, parentStack } = item;
    const stack = node.callFrame.functionName === ROOT ? parentStack : [frames.locationId(node.callFrame), ...parentStack];
    if (node.selfSize > 0) sample.push(new Sample({ locationId: stack, value: [objectsAt(node.id), node.selfSize] }));
    for (const child of node.children) pending.push({ node: child, parentStack: stack });
  }

  return encode(
    new Profile({
      sampleType: sampleTypes,
      sample,
      location: frames.locations,
      function: frames.functions,
      stringTable: frames.strings,
      // DevTools heap profiles carry no timestamps: stamp the conversion time.
      timeNanos: epochNanos(Date.now()),
      periodType: frames.valueType('space', 'bytes'),
      period: samplingIntervalBytes,
    }),
  );
}
