/** Why a rule that matched did not dump. */
export type Gate = 'disabled' | 'cooldown' | 'running';

/** Run-time state of one rule: the gates that stand between a match and a dump. */
export class RuleState {
  running = false;
  /** When this rule's last dump started (ms since epoch), 0 if never: the least recent goes first. */
  lastStart = 0;
  /** Until when (ms since epoch) the rule is cooling down. */
  coolUntil = 0;

  /** The first gate that blocks a dump now, or null when it may start. */
  gate(now: number, enabled: boolean): Gate | null {
    if (!enabled) return 'disabled';
    if (this.running) return 'running';
    if (now < this.coolUntil) return 'cooldown';
    return null;
  }

  /** Starts the cooldown; called when a dump ends, whether it succeeded or failed, so a fault cannot make it retry every tick. */
  coolDown(now: number, cooldown: number): void {
    this.coolUntil = now + cooldown;
  }
}
