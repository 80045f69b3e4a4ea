import net from 'node:net';

/** Encodes a command as a RESP array of bulk strings, the form every redis-server accepts. */
export function encodeCommand(...args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export interface RawExchangeResult {
  /** The TCP handshake completed. */
  connected: boolean;
  /** Everything received before the exchange ended. */
  data: string;
  /** Socket error code, if any (ECONNREFUSED, ECONNRESET, ...). */
  errorCode?: string;
  /** Nothing satisfied `until` within timeoutMs. */
  timedOut: boolean;
  /** Milliseconds from connect to the first byte received, if any arrived. */
  firstByteMs?: number;
}

export interface RawExchangeOptions {
  host?: string;
  port: number;
  payload: string;
  timeoutMs?: number;
  /** Stops reading once this returns true for the data received so far (default: any byte). */
  until?: (data: string) => boolean;
}

/**
 * Connects, writes `payload` and collects the answer on a bare socket. No client library on purpose:
 * their reconnects and queues would hide exactly the faults the tests want to observe.
 */
export function rawExchange(opts: RawExchangeOptions): Promise<RawExchangeResult> {
  const timeoutMs = opts.timeoutMs ?? 1_000;
  const until = opts.until ?? ((data: string) => data.length > 0);
  return new Promise((resolve) => {
    const socket = net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port });
    let connected = false;
    let connectedAt = 0;
    let firstByteMs: number | undefined;
    let data = '';
    let settled = false;
    const finish = (extra: { errorCode?: string; timedOut: boolean }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected, data, firstByteMs, ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      connectedAt = Date.now();
      socket.write(opts.payload);
    });
    socket.on('data', (chunk: string) => {
      firstByteMs ??= Date.now() - connectedAt;
      data += chunk;
      if (until(data)) finish({ timedOut: false });
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ errorCode: err.code ?? err.message, timedOut: false }),
    );
    socket.once('close', () => finish({ timedOut: false }));
  });
}

/** True when the server answers PING with +PONG (authenticating first when a password is given). */
export async function ping(
  port: number,
  opts: { host?: string; password?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  const auth = opts.password === undefined ? '' : encodeCommand('AUTH', opts.password);
  const result = await rawExchange({
    host: opts.host,
    port,
    payload: auth + encodeCommand('PING'),
    timeoutMs: opts.timeoutMs ?? 500,
    until: (data) => data.includes('+PONG\r\n') || data.includes('-'),
  });
  return result.data.includes('+PONG\r\n');
}

/**
 * The process_id a server reports in INFO, or undefined if it does not answer (in time).
 * Used to make sure the server answering on a port is the process we started, not an older one.
 */
export async function serverPid(
  port: number,
  opts: { host?: string; password?: string; timeoutMs?: number } = {},
): Promise<number | undefined> {
  const auth = opts.password === undefined ? '' : encodeCommand('AUTH', opts.password);
  const result = await rawExchange({
    host: opts.host,
    port,
    payload: auth + encodeCommand('INFO', 'server'),
    timeoutMs: opts.timeoutMs ?? 500,
    until: (data) => /process_id:\d+\r\n/.test(data) || /(^|\r\n)-[A-Z]/.test(data),
  });
  const match = /process_id:(\d+)\r\n/.exec(result.data);
  return match ? Number(match[1]) : undefined;
}
