import type { Logger } from '../logger.js';
import type { DumpDir } from '../sinks/dump-dir.js';

/** What a rule's dumper gets to write one dump. */
export interface DumpContext {
  dir: DumpDir;
  /** `<kind>-<timestamp>-<pid>`; the dump is `<baseName>.<extension>`. */
  baseName: string;
  /** Aborted by `stop()`: a capture in progress is abandoned and nothing is written. */
  signal: AbortSignal;
  logger: Logger;
}

/** A written dump: its final path and facts for the meta file. */
export interface DumpOutput {
  file: string;
  details?: Record<string, unknown>;
}

/** One rule kind: how to dump when it fires, and when a match must be skipped instead. */
export interface RuleKind<Config> {
  readonly extension: string;
  dump(context: DumpContext, config: Config): Promise<DumpOutput>;
  /** A reason to skip the dump for this value, or null. */
  veto?(value: number, config: Config): string | null;
}
