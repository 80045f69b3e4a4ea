import net from 'node:net';

/** Asks the kernel for an unused loopback port. Another process may grab it before use: callers retry on EADDRINUSE. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('freePort: could not read the bound port'))));
    });
  });
}

export type ConnectOutcome = { ok: true } | { ok: false; code: string };

/** Tries a TCP connect and reports whether it was accepted, or the error code (e.g. ECONNREFUSED). */
export function tryConnect(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: ConnectOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, code: 'ETIMEDOUT' }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? err.message }));
  });
}

/** True once nothing listens on the port any more (a connect is refused). */
export async function isPortClosed(port: number, host = '127.0.0.1'): Promise<boolean> {
  const outcome = await tryConnect(port, host);
  return !outcome.ok && outcome.code === 'ECONNREFUSED';
}
