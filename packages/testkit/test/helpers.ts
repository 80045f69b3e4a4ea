import { readFileSync } from 'node:fs';
import net from 'node:net';
import { waitFor } from '../src/index.js';

/** A raw client socket that records what happens to it, so tests can assert on each fault precisely. */
export interface Probe {
  socket: net.Socket;
  data: () => string;
  errorCode: () => string | undefined;
  closed: () => boolean;
}

export async function connectProbe(port: number): Promise<Probe> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let data = '';
  let errorCode: string | undefined;
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    errorCode = err.code;
  });
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, data: () => data, errorCode: () => errorCode, closed: () => closed };
}

export const PING = '*1\r\n$4\r\nPING\r\n';

/** True while the pid names a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function waitForPong(probe: Probe, timeoutMs = 5_000): Promise<true> {
  return waitFor(() => probe.data().includes('+PONG'), { timeoutMs, message: 'a +PONG reply' });
}
