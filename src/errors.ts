/**
 * Every error holmes-node raises. Match on `code`, never on the message.
 */
export class HolmesError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HolmesError';
    this.code = code;
  }
}

/** Invalid options, thrown by the constructor and by `set()`; the running configuration is untouched. */
export class HolmesConfigError extends HolmesError {
  /** Dotted path of the offending option, e.g. `cpu.diff`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('HOLMES_CONFIG', `holmes-node: option ${option} ${message}`);
    this.name = 'HolmesConfigError';
    this.option = option;
  }
}

/** A dump could not be written (directory missing or read-only, disk full, profiler failure…). Emitted, never thrown. */
export class HolmesDumpError extends HolmesError {
  /** Which dump failed. */
  readonly kind: string;

  constructor(kind: string, message: string, cause?: unknown) {
    super('HOLMES_DUMP', `holmes-node: ${kind} dump failed: ${message}`, { cause });
    this.name = 'HolmesDumpError';
    this.kind = kind;
  }
}
