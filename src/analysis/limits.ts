/**
 * How much the operator's command accepts from one input before it refuses with one line. Dumps are read on the
 * operator's machine from hosts that may be compromised, so every count that decides an allocation is checked
 * against these before the allocation. Each can be changed with its environment variable.
 */
export interface InputLimits {
  /** Bytes read from one file (JSON dumps are further held to V8's largest string, about 512 MiB). */
  maxInputBytes: number;
  /** Bytes a gzipped pprof file may decompress to. */
  maxDecodedBytes: number;
  /** Samples of a CPU profile or pprof file. */
  maxSamples: number;
  /** Nodes of a CPU or heap profile and of the call tree built from a profile; entries of a pprof file. */
  maxNodes: number;
}

/** The defaults: about 600 MB of memory at most for each (measured, see the README's security section). */
export const DEFAULT_LIMITS: Readonly<InputLimits> = {
  maxInputBytes: 4 * 1024 ** 3,
  maxDecodedBytes: 256 * 1024 ** 2,
  maxSamples: 1_000_000,
  maxNodes: 2_000_000,
};

/** The environment variable that sets each limit. */
export const LIMIT_ENV: Readonly<Record<keyof InputLimits, string>> = {
  maxInputBytes: 'HOLMES_NODE_MAX_INPUT_BYTES',
  maxDecodedBytes: 'HOLMES_NODE_MAX_DECODED_BYTES',
  maxSamples: 'HOLMES_NODE_MAX_SAMPLES',
  maxNodes: 'HOLMES_NODE_MAX_NODES',
};

let current: Readonly<InputLimits> = DEFAULT_LIMITS;

/** The limits in force. */
export function inputLimits(): Readonly<InputLimits> {
  return current;
}

/** Sets the limits in force (the CLI does, once, from its environment). */
export function setInputLimits(limits: Readonly<InputLimits>): void {
  current = limits;
}

/**
 * The limits set by the environment, defaults for the others.
 * @throws {Error} naming the variable when one is not a whole number from 1 to 2^53.
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv): InputLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as Array<keyof InputLimits>) {
    const raw = env[LIMIT_ENV[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${LIMIT_ENV[key]} wants a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, not ${JSON.stringify(raw)}`);
    }
    limits[key] = value;
  }
  return limits;
}

/**
 * `40000000 samples, over the limit of 1000000 (raise it with HOLMES_NODE_MAX_SAMPLES)`, or for the byte limits
 * `larger than the limit of 4294967296 bytes (raise it with HOLMES_NODE_MAX_INPUT_BYTES)`: the end of a refusal.
 */
export function overLimit(what: string, key: keyof InputLimits): string {
  const raise = `(raise it with ${LIMIT_ENV[key]})`;
  if (key === 'maxInputBytes' || key === 'maxDecodedBytes') return `${what} than the limit of ${current[key]} bytes ${raise}`;
  return `${what}, over the limit of ${current[key]} ${raise}`;
}
