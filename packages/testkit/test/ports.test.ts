import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, tryConnect } from '../src/index.js';

describe('freePort', () => {
  it('returns a port nothing listens on and that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await tryConnect(port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    expect(await tryConnect(port)).toEqual({ ok: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
