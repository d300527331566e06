import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DUMP_KINDS, ON_DEMAND_KINDS } from '../../src/ondemand/kinds.js';
import { RULE_NAMES } from '../../src/rules/registry.js';
import { Host, freshDir } from '../helpers/child.js';
import { runCli, runJson } from './run-cli.js';

interface Listed {
  dumps: Array<{ file: string; kind: string; meta: { kind: string; reason: { trigger: string } } | null }>;
}

describe('holmes-node ls --kind', () => {
  it('filters by every kind a dump can have, on-demand kinds included; anything else is refused with the list', async () => {
    const dumpDir = freshDir();
    // every rule quiet; memory on (never firing) so its always-on sampling heap profiler runs
    const host = await Host.start({ dumpDir, cpu: false, handles: false, memory: { min: 100, abs: 100, diff: 1e9 } });
    // allocate first: a heap profile with no samples is never written
    await host.send('grow-heap 10');
    const written: Record<string, string> = {};
    for (const kind of ['heapsnapshot', 'report', 'heapprofile', 'handles']) {
      const from = host.events.length;
      await host.send(`dump ${kind}`);
      const dumped = await host.waitFor((e) => e.event === 'dumped', from);
      expect(dumped.file, host.describe()).toEqual(expect.any(String));
      written[kind] = basename(dumped.file as string);
    }
    for (const [kind, file] of Object.entries(written)) {
      const listed = runJson<Listed>(['ls', dumpDir, '--kind', kind]);
      expect(listed.dumps.map((d) => d.file)).toEqual([file]);
      expect(listed.dumps[0]).toMatchObject({ kind, meta: { kind, reason: { trigger: 'manual' } } });
    }
    // a kind that can exist but has no dump here: the usual "none" answer, not a usage error
    const none = runCli(['ls', dumpDir, '--kind', 'eventLoop']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no eventLoop dumps in ${dumpDir}`);

    const refused = runCli(['ls', dumpDir, '--kind', 'snapshot']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--kind wants one of ${DUMP_KINDS.join(', ')}, not "snapshot"`);
    // the list is the rule table's names and the on-demand kinds, each once
    expect(new Set(DUMP_KINDS)).toEqual(new Set([...RULE_NAMES, ...ON_DEMAND_KINDS]));
    expect(DUMP_KINDS).toHaveLength(new Set(DUMP_KINDS).size);
    const help = runCli(['ls', '--help']).stdout;
    for (const kind of DUMP_KINDS) expect(help).toMatch(new RegExp(`^  ${kind} +\\S`, 'm'));
  });
});
