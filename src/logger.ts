/** Anything with info/warn/error that takes a string: `console`, a pino or winston logger. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const noop = (): void => {};

/** The default: holmes-node says nothing unless given a logger. */
export const silentLogger: Logger = { info: noop, warn: noop, error: noop };

/** Wraps a user logger so that a logger that throws can never break the watcher or the host. */
export function safeLogger(logger: Logger): Logger {
  const call = (level: keyof Logger) => (message: string) => {
    try {
      logger[level](`holmes-node: ${message}`);
    } catch {
      // a broken logger must not take the host down with it
    }
  };
  return { info: call('info'), warn: call('warn'), error: call('error') };
}
