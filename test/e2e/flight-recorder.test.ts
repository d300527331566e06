import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ChildEvent, type ChildResult, freshDir, runScenario } from '../helpers/child.js';

const options = (flightRecorder: boolean) => ({
  dumpDir: freshDir(),
  interval: 300,
  window: 5,
  memory: false,
  handles: false,
  // a minimum low enough for a spike on a loaded machine (the reading is the share of a core the process got while it
  // spiked), well above an idle reading (about 1 %)
  cpu: { min: 10, diff: 100, abs: 50, profileDuration: 300, flightRecorder },
});

/** The one cpu dump of a shortSpike run, after checking the rule fired only once the spike was over. */
function dumpAfterSpike(result: ChildResult): ChildEvent {
  expect(result.code, result.stderr).toBe(0);
  const spiked = result.events.find((e) => e.event === 'spiked');
  const dump = result.events.find((e) => e.event === 'dump');
  expect(spiked && dump, JSON.stringify(result.events)).toBeTruthy();
  const meta = JSON.parse(readFileSync(dump!.metaFile as string, 'utf8'));
  expect(Date.parse(meta.startTime)).toBeGreaterThanOrEqual(spiked!.at as number);
  return dump!;
}

function namesIn(file: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  return profile.nodes.map((node: { callFrame: { functionName: string } }) => node.callFrame.functionName);
}

describe('flight recorder', () => {
  it('with the flight recorder, the profile holds the spike that ended before the rule fired', async () => {
    const dump = dumpAfterSpike(await runScenario('shortSpike', options(true)));
    expect(namesIn(dump.file as string)).toContain('spikeBeforeTriggerInHolmesTest');
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.details.flightRecorder).toBe(true);
    expect(meta.details.beforeTriggerMs).toBeGreaterThan(0);
  });

  it('without it, a profile started at the trigger cannot show a spike that is already over', async () => {
    const dump = dumpAfterSpike(await runScenario('shortSpike', options(false)));
    expect(namesIn(dump.file as string)).not.toContain('spikeBeforeTriggerInHolmesTest');
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.details.flightRecorder).toBe(false);
  });
});
