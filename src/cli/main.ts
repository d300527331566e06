import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DumpFileError, firstLine } from '../analysis/errors.js';
import { setInputLimits } from '../analysis/limits.js';
import { COMMON_OPTIONS, envLimits, type Command } from './command.js';
import { diffCommand } from './diff.js';
import { dumpCommand } from './dump.js';
import { flameCommand } from './flame.js';
import { lsCommand } from './ls.js';
import { UsageError, output } from './output.js';
import { printable } from './sanitize.js';
import { showCommand } from './show.js';

const COMMANDS: Command[] = [lsCommand, showCommand, flameCommand, diffCommand, dumpCommand];

function version(): string {
  try {
    // dist/cli.js sits one level under the package root
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const MAIN_HELP = `Usage: holmes-node <command> [options]

Turns a holmes-node dump directory into answers.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(6)} ${c.summary}`).join('\n')}

Every command takes --json (machine-readable output) and --help.
Run holmes-node <command> --help for its options.

Options:
  -h, --help      show this help
  -v, --version   print the version
`;

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Parses a command's arguments; parse errors become {@link UsageError}s that point at `--help`. */
function parseCommand(
  command: Command,
  argv: string[],
): { help: boolean; json: boolean; positionals: string[]; values: Record<string, string | boolean | undefined> } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command.name}: ${firstLine(error).replace(/\. To specify a positional argument.*$/, '')} (see holmes-node ${command.name} --help)`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return { help: values.help === true, json: values.json === true, positionals: parsed.positionals, values };
}

/**
 * Runs the command line `argv` (without node and the script) and returns the exit code:
 * 0 on success, 1 when a file cannot be read or analysed, 2 on a usage mistake.
 * Failures print one line on stderr, never a stack trace (set HOLMES_NODE_DEBUG=1 for one).
 */
export async function main(argv: string[]): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      const command = COMMANDS.find((c) => c.name === topic);
      if (topic && !command) throw new UsageError(`unknown command "${topic}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
      process.stdout.write(ensureNewline(command ? command.help : MAIN_HELP));
      return name === undefined ? 2 : 0;
    }
    if (name === '-v' || name === '--version') {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(
        name.startsWith('-')
          ? `unknown option ${name} before the command (see holmes-node --help)`
          : `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
      );
    }
    const args = parseCommand(command, rest);
    setInputLimits(envLimits());
    if (args.help) {
      process.stdout.write(ensureNewline(command.help));
      return 0;
    }
    const [min, max] = command.arity;
    if (args.positionals.length < min)
      throw new UsageError(
        `${command.name}: missing ${min - args.positionals.length === 1 && max === 1 ? 'FILE' : 'arguments'} (see holmes-node ${command.name} --help)`,
      );
    if (args.positionals.length > max)
      throw new UsageError(`${command.name}: too many arguments: ${args.positionals.slice(max).join(' ')} (see holmes-node ${command.name} --help)`);
    await command.run(args, output(args.json));
    return 0;
  } catch (error) {
    const known = error instanceof DumpFileError || error instanceof UsageError;
    const message = known ? error.message : `internal error: ${firstLine(error)}`;
    process.stderr.write(`holmes-node: ${printable(message.replace(/\s*\n\s*/g, ' '))}\n`);
    if (process.env.HOLMES_NODE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

// `holmes-node ls | head` closes the pipe early: that is not an error worth a trace
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// a fault outside main's try (a stream error, a bug in a callback) still ends in one line, not a trace
process.on('uncaughtException', (error) => {
  process.stderr.write(`holmes-node: internal error: ${printable(firstLine(error))}\n`);
  if (process.env.HOLMES_NODE_DEBUG) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
