import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_MS, startChild, tempDir } from '../helpers/child.js';

const DEMO = fileURLToPath(new URL('../../examples/demo.mjs', import.meta.url));

/** The README's first command ends in `npm run demo`, and it names the other examples: they must keep working as the options change. */
describe('the examples', () => {
  it('makes the example service spike, leak, leak handles and block, and gets the four dumps, each with its meta', async () => {
    // the demo makes its dump directory under the temporary directory: one this test removes
    const tmp = tempDir('holmes-demo-test-');
    const demo = startChild(DEMO, [], { env: { TMPDIR: tmp }, flags: [] });
    const { code } = await demo.exit(EXIT_MS * 2);
    const out = demo.events.map((e) => String(e.line ?? '')).join('\n');
    expect(code, `${out}\n${demo.stderr}`).toBe(0);
    expect(out).toContain('Dumps written:');
    expect(out).not.toContain('undefined');

    const [run] = readdirSync(tmp).filter((name) => name.startsWith('holmes-demo-'));
    const dumpDir = join(tmp, run!, 'dumps');
    expect(statSync(dumpDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dumpDir);
    for (const dump of [/^cpu-.*\.cpuprofile$/, /^memory-.*\.heapprofile$/, /^handles-.*\.handles\.json$/, /^eventLoop-.*\.block\.json$/]) {
      const file = files.find((name) => dump.test(name));
      expect(file, `${dump} in ${files.join(', ')}`).toBeDefined();
      expect(out).toContain(join(dumpDir, file!));
      expect(statSync(join(dumpDir, file!)).mode & 0o777).toBe(0o600);
      const meta = file!.replace(/\.(cpuprofile|heapprofile|handles\.json|block\.json)$/, '.meta.json');
      expect(files).toContain(meta);
    }
  });

  it.each([
    ['cpu-spike.mjs', /^cpu-.*\.cpuprofile$/],
    ['memory-leak.mjs', /^memory-.*\.(heapprofile|heapsnapshot)$/],
    ['handle-leak.mjs', /^handles-.*\.handles\.json$/],
  ])('%s writes its dump to the default directory and prints its path', async (example, dump) => {
    // the default dump directory is <tmpdir>/holmes-node-<uid>: under one this test removes
    const tmp = tempDir('holmes-example-test-');
    const child = startChild(fileURLToPath(new URL(`../../examples/${example}`, import.meta.url)), [], { env: { TMPDIR: tmp }, flags: [] });
    const { code } = await child.exit(EXIT_MS);
    const out = child.events.map((e) => String(e.line ?? '')).join('\n');
    expect(code, `${out}\n${child.stderr}`).toBe(0);
    const dumpDir = join(tmp, `holmes-node-${process.getuid!()}`);
    const printed = out.match(/^-> (.+)$/m)?.[1];
    expect(printed, out).toBeDefined();
    expect(dirname(printed!)).toBe(dumpDir);
    expect(basename(printed!)).toMatch(dump);
    expect(readdirSync(dumpDir)).toContain(basename(printed!));
  });
});
