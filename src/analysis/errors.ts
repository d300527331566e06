/**
 * A problem with an input file (missing, truncated, not the format it claims), worded for the operator.
 * The message is one line and names the file; the CLI prints it without a stack trace.
 */
export class DumpFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DumpFileError';
  }
}

/** The one-line message of a failed file system call, e.g. `no such file: /x/y.cpuprofile`. */
export function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `no such file or directory: ${path}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${path}`;
    case 'EISDIR':
      return `${path} is a directory, not a dump file`;
    case 'ENOTDIR':
      return `${path} is not a directory`;
    default:
      return `cannot read ${path}: ${firstLine(error)}`;
  }
}

/** First line of an error's message: parser messages may carry the offending text on later lines. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? '';
}

/**
 * An input that breaks a limit (too many samples, nodes or bytes), thrown by readers that do not know the file's
 * name; the loader words it as a {@link DumpFileError} naming the file.
 */
export class InputRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputRefusedError';
  }
}
