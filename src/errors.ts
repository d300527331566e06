/**
 * Every error holmes-node raises, one class per fault, each with a stable `code` (as undici does). Match on `code`,
 * never on the message. Only {@link HolmesConfigError} is ever thrown; the others reach the `error` event and the
 * logger while the service keeps running.
 */

/** The stable codes of holmes-node's errors. README.md documents each one (a test checks it). */
export type HolmesErrorCode =
  /** An option is invalid: thrown by the constructor, `set()`, `enable()` and `disable()`. */
  | 'HOLMES_CONFIG'
  /** A dump could not be taken or written: profiler failure, disk full, dump directory missing or read-only. */
  | 'HOLMES_DUMP'
  /** The dump directory could not be created or is not safe to write to (checked at `start()` and before each dump). */
  | 'HOLMES_DUMP_DIR'
  /** Reading one series failed (the others are still read and evaluated). */
  | 'HOLMES_READING'
  /** A part that runs only while needed (a histogram, an observer, an async hook) failed to start or stop. */
  | 'HOLMES_RUNTIME'
  /** The flight recorder (the always-on CPU profiler) failed; CPU dumps fall back to a profile started on trigger. */
  | 'HOLMES_RECORDER'
  /** The blocked-loop watchdog stopped (its worker died or could not start) or one of its captures failed. */
  | 'HOLMES_WATCHDOG'
  /** Old dumps could not be pruned to stay within `maxDumps` and `maxDumpBytes`. */
  | 'HOLMES_RETENTION'
  /** An operator's dump request (on the `signal`) was refused: no request file, not its owner's or root's, malformed. */
  | 'HOLMES_REQUEST'
  /** A fault holmes-node did not expect; please report it. */
  | 'HOLMES_INTERNAL';

/** Every {@link HolmesErrorCode}, for documentation checks and exhaustive handling. */
export const HOLMES_ERROR_CODES = [
  'HOLMES_CONFIG',
  'HOLMES_DUMP',
  'HOLMES_DUMP_DIR',
  'HOLMES_READING',
  'HOLMES_RUNTIME',
  'HOLMES_RECORDER',
  'HOLMES_WATCHDOG',
  'HOLMES_RETENTION',
  'HOLMES_REQUEST',
  'HOLMES_INTERNAL',
] as const satisfies readonly HolmesErrorCode[];

/** The base of every holmes-node error. */
export class HolmesError extends Error {
  /** Stable machine-readable code. */
  readonly code: HolmesErrorCode;

  constructor(code: HolmesErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HolmesError';
    this.code = code;
  }
}

/** Invalid options, thrown by the constructor and by `set()`; the running configuration is untouched. */
export class HolmesConfigError extends HolmesError {
  /** Dotted path of the offending option, e.g. `cpu.diff`. */
  readonly option: string;

  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super('HOLMES_CONFIG', `holmes-node: option ${option} ${message}`, options);
    this.name = 'HolmesConfigError';
    this.option = option;
  }
}

/** A dump could not be written (profiler failure, disk full, directory read-only…). Emitted, never thrown. */
export class HolmesDumpError extends HolmesError {
  /** Which rule's dump failed. */
  readonly kind: string;

  constructor(kind: string, message: string, cause?: unknown) {
    super('HOLMES_DUMP', `holmes-node: ${kind} dump failed: ${message}`, { cause });
    this.name = 'HolmesDumpError';
    this.kind = kind;
  }
}

/** The dump directory cannot be created or is unsafe (writable by others, not a directory). Emitted, never thrown. */
export class HolmesDumpDirError extends HolmesError {
  /** The directory, absolute. */
  readonly dir: string;

  constructor(dir: string, cause: unknown) {
    super('HOLMES_DUMP_DIR', `holmes-node: dump directory ${dir} is not usable: ${describe(cause)}`, { cause });
    this.name = 'HolmesDumpDirError';
    this.dir = dir;
  }
}

/** Reading one series failed. Emitted, never thrown. */
export class HolmesReadingError extends HolmesError {
  /** The series whose reading failed, or `tick` for the sampling tick as a whole. */
  readonly series: string;

  constructor(series: string, cause: unknown) {
    super('HOLMES_READING', `holmes-node: reading ${series} failed: ${describe(cause)}`, { cause });
    this.name = 'HolmesReadingError';
    this.series = series;
  }
}

/** A run-time part failed to start or stop. Emitted, never thrown. */
export class HolmesRuntimeError extends HolmesError {
  constructor(cause: unknown) {
    super('HOLMES_RUNTIME', `holmes-node: ${describe(cause)}`, { cause });
    this.name = 'HolmesRuntimeError';
  }
}

/** The flight recorder failed. Emitted, never thrown. */
export class HolmesRecorderError extends HolmesError {
  constructor(cause: unknown) {
    super('HOLMES_RECORDER', `holmes-node: flight recorder: ${describe(cause)}`, { cause });
    this.name = 'HolmesRecorderError';
  }
}

/** The blocked-loop watchdog stopped, or one of its captures failed. Emitted, never thrown. */
export class HolmesWatchdogError extends HolmesError {
  constructor(message: string, cause?: unknown) {
    super('HOLMES_WATCHDOG', `holmes-node: ${message}`, { cause });
    this.name = 'HolmesWatchdogError';
  }
}

/** Pruning old dumps failed. Emitted, never thrown. */
export class HolmesRetentionError extends HolmesError {
  constructor(cause: unknown) {
    super('HOLMES_RETENTION', `holmes-node: could not prune old dumps: ${describe(cause)}`, { cause });
    this.name = 'HolmesRetentionError';
  }
}

/** An operator's dump request was refused (and nothing was dumped). Emitted, never thrown. */
export class HolmesRequestError extends HolmesError {
  constructor(message: string, cause?: unknown) {
    super('HOLMES_REQUEST', `holmes-node: dump request refused: ${message}`, { cause });
    this.name = 'HolmesRequestError';
  }
}

/** An unexpected fault inside holmes-node. Emitted, never thrown. */
export class HolmesInternalError extends HolmesError {
  constructor(cause: unknown) {
    super('HOLMES_INTERNAL', `holmes-node: internal fault: ${describe(cause)}`, { cause });
    this.name = 'HolmesInternalError';
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
