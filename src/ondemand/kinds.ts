import type { ResolvedConfig } from '../config/options.js';
import { describeValue } from '../config/spec.js';
import { dumpHeap } from '../dumpers/heap-dump.js';
import { writeLiveHeapProfile } from '../dumpers/heap-profile.js';
import { HolmesConfigError } from '../errors.js';
import { DumpSkipped, type DumpContext, type DumpOutput, type Source } from '../rules/define.js';
import { RULE_NAMES, ruleOf, type RuleName } from '../rules/registry.js';

/** What an on-demand dump may be: `holmes.dump(kind)` and `holmes-node dump <pid> <kind>`. */
export const ON_DEMAND_KINDS = ['cpu', 'heapprofile', 'heapsnapshot', 'handles', 'report'] as const;
export type OnDemandKind = (typeof ON_DEMAND_KINDS)[number];

/**
 * Every kind a dump's name and meta can carry: the rules' (near-heap-limit snapshots are `heap`, blocked-loop stacks
 * `eventLoop`), then the on-demand kinds that are not also a rule's, once each.
 */
export const DUMP_KINDS: readonly (RuleName | OnDemandKind)[] = [...new Set<RuleName | OnDemandKind>([...RULE_NAMES, ...ON_DEMAND_KINDS])];

/** One line per kind, for the docs and the CLI's help. */
export const ON_DEMAND_HELP: Readonly<Record<OnDemandKind, string>> = {
  cpu: 'CPU profile of the next cpu.profileDuration ms',
  heapprofile: 'the live heap by allocation site, from the always-on sampling heap profiler (at once, no stall)',
  heapsnapshot: 'V8 heap snapshot (refused, with the reason, when not affordable: see maxSnapshotHeap)',
  handles: 'async-resource profile (.handles.json)',
  report: "Node's diagnostic report (process.report), .report.json",
};

/** Extension of a diagnostic report. */
export const REPORT_EXTENSION = 'report.json';

/** Throws {@link HolmesConfigError} unless `kind` is an on-demand kind. */
export function checkDumpKind(kind: unknown): OnDemandKind {
  if (!(ON_DEMAND_KINDS as readonly unknown[]).includes(kind)) {
    throw new HolmesConfigError('kind', `must be one of ${ON_DEMAND_KINDS.join(', ')} (got ${describeValue(kind)})`);
  }
  return kind as OnDemandKind;
}

/**
 * Takes one on-demand dump with the dumpers the rules use, and their settings: the CPU rule's profile length, the
 * memory rule's snapshot ceiling and heap-profile length, the handles rule's stack tracking.
 */
export async function takeOnDemand(
  kind: OnDemandKind,
  context: DumpContext,
  config: ResolvedConfig,
  source: (rule: RuleName) => Source<never>,
): Promise<DumpOutput> {
  switch (kind) {
    case 'cpu':
      return ruleOf('cpu').dump(context, config.cpu, source('cpu'));
    case 'handles':
      return ruleOf('handles').dump(context, config.handles, source('handles'));
    case 'heapsnapshot':
      return dumpHeap(context, { ...config.memory, snapshotOnly: true });
    case 'heapprofile': {
      await context.ready();
      const profiled = await writeLiveHeapProfile(context, context.heapSampler);
      if (typeof profiled === 'string') throw new DumpSkipped(`heap profile not written: ${profiled}`);
      return profiled;
    }
    case 'report': {
      await context.ready();
      // getReport, then our own atomic 0600 write: writeReport would create the file itself, with the umask's mode
      const report = context.stall(() => process.report.getReport());
      const file = await context.dir.writeFile(`${context.baseName}.${REPORT_EXTENSION}`, JSON.stringify(report, null, 1));
      return { file, details: { writer: 'process.report.getReport' } };
    }
  }
}
