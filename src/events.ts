import type { HolmesError } from './errors.js';
import type { OnDemandKind } from './ondemand/kinds.js';
import type { RuleName } from './rules/registry.js';
import type { Culprit } from './dumpers/culprit.js';
import type { DumpMeta } from './sinks/meta.js';

/** What a dump is of: the rule that fired, or the kind an on-demand dump asked for. */
export type DumpKind = RuleName | OnDemandKind;

/** Payload of the `dump` event: emitted once the dump and its meta file are complete in the dump directory. */
export interface DumpEvent {
  kind: DumpKind;
  /** Absolute path of the dump. */
  file: string;
  /** Absolute path of the `.meta.json` beside it. */
  metaFile: string;
  meta: DumpMeta;
  /** What the dump points at, in short (`meta.culprit`); absent for heap snapshots and reports. */
  culprit?: Culprit;
}

/** Payload of the `skip` event: a rule fired but no dump was taken, or a cheaper dump was taken instead. */
export interface SkipEvent {
  kind: DumpKind;
  reason: string;
}

/** Events of `Holmes`. */
export interface HolmesEvents {
  dump: [DumpEvent];
  skip: [SkipEvent];
  /** Run-time faults (dump directory missing or read-only, disk full, profiler failure). The host keeps running. */
  error: [HolmesError];
}
