import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { request } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CHILD_FLAGS, type ChildEvent } from './run-child.js';

const HOST = fileURLToPath(new URL('../fixtures/host.mjs', import.meta.url));

/** A real service in a child process, with holmes-node watching it, driven over stdin (see fixtures/host.mjs). */
export class Host {
  readonly events: ChildEvent[] = [];
  stderr = '';
  port = 0;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          this.events.push(JSON.parse(line) as ChildEvent);
        } catch {
          this.events.push({ event: 'stdout', line });
        }
      }
      for (const wake of this.waiters) wake();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      for (const wake of this.waiters) wake();
      resolve({ code, signal });
    }));
  }

  /** Starts the host with these holmes options; resolves once it serves. */
  static async start(options: object, { nodeArgs = [] as string[], env = {} as Record<string, string> } = {}): Promise<Host> {
    const child = spawn(process.execPath, [...CHILD_FLAGS, ...nodeArgs, HOST, JSON.stringify(options)], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const host = new Host(child);
    const ready = await host.waitFor((e) => e.event === 'ready');
    host.port = ready.port as number;
    return host;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Resolves with the first event (from index `from`) that matches. `timeoutMs` is a safety net against a hang
   * (the test fails with the events seen), not a speed assertion.
   */
  waitFor(match: (event: ChildEvent) => boolean, from = 0, timeoutMs = 40_000): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(from).find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`host exited before the awaited event; events: ${JSON.stringify(this.events.slice(-15))}\nstderr: ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching event within ${timeoutMs} ms; last events: ${JSON.stringify(this.events.slice(-15))}\nstderr: ${this.stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a command and waits for its acknowledgement. */
  async send(command: string): Promise<void> {
    const from = this.events.length;
    const name = command.split(' ')[0];
    this.child.stdin.write(`${command}\n`);
    const ack = await this.waitFor((e) => (e.event === 'ack' || e.event === 'command-failed') && e.command === name, from);
    if (ack.event === 'command-failed') throw new Error(`host command ${command} failed: ${String(ack.message)}`);
  }

  /** holmes.readings() in the host, over HTTP. */
  async readings(): Promise<Record<string, { value: number | null; average: number | null; count: number; samples: number }>> {
    return JSON.parse(await this.get('/readings'));
  }

  /** GET /ping on the host: proves it still serves. */
  ping(): Promise<string> {
    return this.get('/ping');
  }

  private get(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port: this.port, path }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject).end();
    });
  }

  /** Asks the host to stop holmes and end; resolves with how the process exited (it must exit by itself). */
  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.write('exit\n');
    return this.exited;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  count(event: string, kind?: string): number {
    return this.events.filter((e) => e.event === event && (kind === undefined || e.kind === kind)).length;
  }
}
