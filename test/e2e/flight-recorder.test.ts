import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshDir, runScenario } from '../helpers/child.js';

const options = (flightRecorder: boolean) => ({
  dumpDir: freshDir(),
  interval: 300,
  window: 5,
  memory: false,
  handles: false,
  cpu: { min: 20, diff: 100, abs: 50, profileDuration: 300, flightRecorder },
});

function namesIn(file: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  return profile.nodes.map((node: { callFrame: { functionName: string } }) => node.callFrame.functionName);
}

describe('flight recorder', () => {
  it('with the flight recorder, the profile holds the spike that ended before the rule fired', async () => {
    const result = await runScenario('shortSpike', options(true));
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump')!;
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    expect(namesIn(dump.file as string)).toContain('spikeBeforeTriggerInHolmesTest');
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.details.flightRecorder).toBe(true);
    expect(meta.details.beforeTriggerMs).toBeGreaterThan(0);
  });

  it('without it, a profile started at the trigger cannot show a spike that is already over', async () => {
    const result = await runScenario('shortSpike', options(false));
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump')!;
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    expect(namesIn(dump.file as string)).not.toContain('spikeBeforeTriggerInHolmesTest');
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.details.flightRecorder).toBe(false);
  });
});
