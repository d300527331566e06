// A consumer of holmes-node's published types (compiled by test/e2e/types.test.ts against the packed .d.ts and the
// lowest supported @types/node). It uses the public surface a service would: options, events, errors, readings.
import { DEFAULTS, type DumpEvent, Holmes, HolmesConfigError, type HolmesErrorCode, type HolmesOptions, type Logger } from 'holmes-node';

const logger: Logger = { info: console.log, warn: console.warn, error: console.error };
const options: HolmesOptions = { dumpDir: '/tmp/dumps', interval: DEFAULTS.interval, cpu: { abs: 80 }, eventLoop: { block: 2000 }, logger };
const holmes = new Holmes(options);
holmes.on('dump', (event: DumpEvent) => {
  const kind: string = event.kind;
  const file: string = event.file;
  console.log(kind, file, event.meta.summary);
});
holmes.on('error', (error) => {
  const code: HolmesErrorCode = error.code;
  console.log(code);
});
holmes.start();
holmes.set({ cpu: { abs: 90 } });
try {
  new Holmes({ interval: 1 });
} catch (error) {
  if (error instanceof HolmesConfigError) console.log(error.option);
}
await holmes.stop();
