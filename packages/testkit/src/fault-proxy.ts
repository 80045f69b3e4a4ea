import net from 'node:net';

export type FaultMode = 'pass' | 'refuse' | 'reset' | 'blackhole' | 'delay';

export interface FaultModeOptions {
  /** Required for 'delay': how long each server→client chunk is held back. */
  delayMs?: number;
}

export interface FaultProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** redis://127.0.0.1:P — point a Redis client here instead of at the server. */
  readonly url: string;
  readonly mode: FaultMode;
  /** Switches behaviour for new and existing connections; resolves once the mode is in effect. */
  setMode(mode: FaultMode, opts?: FaultModeOptions): Promise<void>;
  /** Client connections currently open through the proxy. */
  connections(): number;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** The upstream went away while blackholed: the link cannot carry traffic any more. */
  upstreamLost: boolean;
  /** Server→client chunks waiting for their due time (delay mode), kept in order. */
  queue: { due: number; chunk: Buffer }[];
  timer: NodeJS.Timeout | undefined;
  upstreamClosed: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 whose behaviour can be switched at run time, to put real network faults
 * between a client and a real server: refused connects, resets, silent peers and slow replies.
 */
export async function startFaultProxy(
  target: { host: string; port: number },
  opts: { port?: number } = {},
): Promise<FaultProxy> {
  const host = '127.0.0.1' as const;
  const links = new Set<Link>();
  let mode: FaultMode = 'pass';
  let delayMs = 0;
  let closed = false;

  const server = net.createServer((client) => onConnection(client));
  server.on('error', () => {}); // listen errors are reported through listen(); nothing else is fatal

  function onConnection(client: net.Socket): void {
    client.on('error', () => {}); // resets and aborts are the point here, not failures
    if (closed) {
      client.destroy();
      return;
    }
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = {
      client,
      upstream: undefined,
      upstreamLost: false,
      queue: [],
      timer: undefined,
      upstreamClosed: false,
    };
    links.add(link);
    client.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return; // read and drop, so the client never blocks on a full buffer
      link.upstream?.write(chunk);
    });
    client.on('close', () => {
      links.delete(link);
      clearTimeout(link.timer);
      link.upstream?.destroy();
    });
    if (mode !== 'blackhole') connectUpstream(link);
  }

  function connectUpstream(link: Link): void {
    const upstream = net.connect({ host: target.host, port: target.port });
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => toClient(link, chunk));
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (mode === 'blackhole') return;
      // Mirror an upstream RST as an RST; anything else (refused, ...) as a plain close.
      if (err.code === 'ECONNRESET') link.client.resetAndDestroy();
      else link.client.destroy();
    });
    upstream.on('close', () => {
      link.upstreamClosed = true;
      if (mode === 'blackhole') {
        link.upstreamLost = true; // a blackhole says nothing, not even FIN
        return;
      }
      if (link.queue.length === 0) link.client.destroy();
    });
  }

  function toClient(link: Link, chunk: Buffer): void {
    if (mode === 'blackhole') return;
    const wait = mode === 'delay' ? delayMs : 0;
    if (wait === 0 && link.queue.length === 0) {
      link.client.write(chunk);
      return;
    }
    const due = Math.max(Date.now() + wait, link.queue.at(-1)?.due ?? 0);
    link.queue.push({ due, chunk });
    link.timer ??= setTimeout(() => pump(link), Math.max(0, due - Date.now()));
  }

  function pump(link: Link): void {
    link.timer = undefined;
    let head = link.queue[0];
    while (head && head.due <= Date.now()) {
      link.queue.shift();
      link.client.write(head.chunk);
      head = link.queue[0];
    }
    if (head) link.timer = setTimeout(() => pump(link), Math.max(1, head.due - Date.now()));
    else if (link.upstreamClosed) link.client.destroy();
  }

  function dropPending(link: Link): void {
    clearTimeout(link.timer);
    link.timer = undefined;
    link.queue.length = 0;
  }

  function listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async function ensureListening(): Promise<void> {
    if (!server.listening) await listen(boundPort);
  }

  async function stopListening(): Promise<void> {
    if (!server.listening) return;
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    destroyAll();
    await done;
  }

  function destroyAll(): void {
    for (const link of links) {
      dropPending(link);
      link.upstream?.destroy();
      link.client.destroy();
    }
  }

  await listen(opts.port ?? 0);
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : 0;

  return {
    host,
    port: boundPort,
    url: `redis://${host}:${boundPort}`,
    get mode() {
      return mode;
    },
    async setMode(next, modeOpts = {}) {
      if (closed) throw new Error('fault proxy is closed');
      if (next === 'delay') {
        const ms = modeOpts.delayMs;
        if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
          throw new TypeError(`setMode('delay') needs { delayMs } >= 0, got ${String(ms)}`);
        }
        delayMs = ms;
      }
      mode = next;
      switch (next) {
        case 'refuse':
          await stopListening(); // also destroys existing connections
          return;
        case 'reset':
          await ensureListening();
          for (const link of links) {
            dropPending(link);
            link.upstream?.destroy();
            link.client.resetAndDestroy();
          }
          return;
        case 'blackhole':
          await ensureListening();
          for (const link of links) dropPending(link);
          return;
        case 'pass':
        case 'delay':
          await ensureListening();
          for (const link of links) {
            if (link.upstreamLost) link.client.destroy();
            else if (!link.upstream) connectUpstream(link); // accepted while blackholed
          }
          return;
      }
    },
    connections: () => links.size,
    async close() {
      closed = true;
      destroyAll();
      await stopListening();
    },
  };
}
