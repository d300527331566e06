/**
 * The watchdog worker's code, inlined at build time (tsup.config.ts bundles src/watchdog/worker.ts into one CommonJS
 * script and defines this constant). It is started with `new Worker(source, { eval: true })`, so a host bundled by
 * esbuild, rollup or webpack needs no worker file beside its bundle.
 */
declare const __HOLMES_WATCHDOG_WORKER__: string | undefined;

/** The worker's code; throws when holmes-node runs from its TypeScript sources, unbuilt (the build inlines it). */
export function watchdogWorkerSource(): string {
  // `typeof`: an unbuilt source has no such constant, and reading it bare would throw a ReferenceError
  if (typeof __HOLMES_WATCHDOG_WORKER__ !== 'string') {
    throw new Error('the watchdog worker is inlined at build time; this copy of holmes-node was not built (npm run build)');
  }
  return __HOLMES_WATCHDOG_WORKER__;
}
