import { chmodSync, existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestPath, takeRequest, writeRequest } from '../../src/ondemand/request.js';
import { runOk, tempDir } from '../helpers/child.js';

describe('dump request files', () => {
  it('round-trips: written 0600 and exclusive, taken once, then gone', async () => {
    const dir = tempDir();
    const written = await writeRequest(dir, 4242, 'heapprofile');
    expect(statSync(requestPath(dir, 4242)).mode & 0o777).toBe(0o600);
    await expect(writeRequest(dir, 4242, 'cpu')).rejects.toMatchObject({ code: 'EEXIST' });
    const taken = await takeRequest(dir, 4242);
    expect(taken).toEqual({ ...written, uid: process.getuid!() });
    expect(existsSync(requestPath(dir, 4242))).toBe(false);
    await expect(takeRequest(dir, 4242)).rejects.toThrow(/the signal came without a request file/);
  });

  it('refuses a link, a FIFO, a file others may write, bad JSON and an unknown kind, and removes what it refused', async () => {
    const dir = tempDir();
    const slot = requestPath(dir, 7);
    const target = join(dir, 'elsewhere.json');
    writeFileSync(target, JSON.stringify({ kind: 'cpu', id: 'ab' }));
    symlinkSync(target, slot);
    await expect(takeRequest(dir, 7)).rejects.toThrow(/is a symbolic link/);
    runOk('rm', [slot]);
    runOk('mkfifo', [slot]);
    await expect(takeRequest(dir, 7)).rejects.toThrow(/is not a regular file/);
    expect(existsSync(slot)).toBe(false);
    writeFileSync(slot, JSON.stringify({ kind: 'cpu', id: 'ab' }));
    chmodSync(slot, 0o666);
    await expect(takeRequest(dir, 7)).rejects.toThrow(/is writable by other users \(mode 666\)/);
    writeFileSync(slot, '{ kind: cpu }', { mode: 0o600 });
    await expect(takeRequest(dir, 7)).rejects.toThrow(/is not JSON/);
    writeFileSync(slot, JSON.stringify({ kind: 'everything', id: 'ab' }), { mode: 0o600 });
    await expect(takeRequest(dir, 7)).rejects.toThrow(/kind must be one of cpu, heapprofile, heapsnapshot, handles, report/);
    writeFileSync(slot, JSON.stringify({ kind: 'cpu', id: '../x' }), { mode: 0o600 });
    await expect(takeRequest(dir, 7)).rejects.toThrow(/has no valid id/);
    expect(existsSync(slot)).toBe(false);
  });
});
