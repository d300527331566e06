/**
 * Anything with info/warn/error that takes a string: `console`, a winston logger. A pino or bunyan logger (one with
 * `child()` and `bindings()` or `fields`) is called object-first, `logger.info(fields, message)`, and so receives
 * structured fields along with the message.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Structured facts of a log line (a dump's kind, file, culprit, reading…), for loggers that take them. */
export type LogFields = Record<string, unknown>;

/** holmes-node's own view of the logger: a message, and fields for loggers that take them. Never throws. */
export interface SafeLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const noop = (): void => {};

/** The default: holmes-node says nothing unless given a logger. */
export const silentLogger: Logger = { info: noop, warn: noop, error: noop };

/** Whether a logger takes an object first, as pino (`bindings()`) and bunyan (`fields`) do; console and winston do not. */
export function isObjectFirst(logger: Logger): boolean {
  const candidate = logger as unknown as Record<string, unknown>;
  try {
    return (
      typeof candidate.child === 'function' && (typeof candidate.bindings === 'function' || (typeof candidate.fields === 'object' && candidate.fields !== null))
    );
  } catch {
    return false;
  }
}

const PREFIX = 'holmes-node: ';

/**
 * Wraps a user logger so that a logger that throws can never break the watcher or the host. Plain loggers get the
 * message only; object-first loggers get `(fields, message)` when there are fields.
 */
export function safeLogger(logger: Logger): SafeLogger {
  const objectFirst = isObjectFirst(logger);
  const call =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      // error messages carry the prefix already (an error's message stands alone): say it once
      const line = message.startsWith(PREFIX) ? message : `${PREFIX}${message}`;
      try {
        if (objectFirst && fields) (logger[level] as unknown as (fields: LogFields, message: string) => void)(fields, line);
        else logger[level](line);
      } catch {
        // a broken logger must not take the host down with it
      }
    };
  return { info: call('info'), warn: call('warn'), error: call('error') };
}
