/** DNS, TCP and TLS checks on raw sockets: no client library, so no reconnects or queues hide a fault. */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { DoctorOptions } from './context.js';
import { formatMs, round, timed } from './context.js';
import { failed, timeoutError, withTimeout } from './explain.js';
import type { CheckResult } from './types.js';

type Redact = (s: string) => string;

const place = (o: DoctorOptions) => ({ host: o.target.host, port: o.target.port, timeoutMs: o.timeoutMs });

export async function checkDns(o: DoctorOptions, redact: Redact): Promise<CheckResult> {
  const { host } = o.target;
  if (net.isIP(host)) return { id: 'dns', status: 'pass', value: host, detail: 'IP literal, no lookup needed' };
  try {
    const { result, ms } = await timed(() =>
      withTimeout(lookup(host, { all: true }), o.timeoutMs, () =>
        // A resolver that does not answer is what getaddrinfo reports as EAI_AGAIN.
        Object.assign(new Error(`DNS lookup of ${host} did not finish within ${o.timeoutMs} ms`), {
          code: 'EAI_AGAIN',
        }),
      ),
    );
    const addresses = result.map((a) => a.address);
    return {
      id: 'dns',
      status: 'pass',
      value: `${addresses.join(', ')} (${formatMs(ms)})`,
      detail: `${host} resolves`,
      data: { ms: round(ms), addresses },
    };
  } catch (err) {
    return failed('dns', err, 'dns', place(o), redact);
  }
}

export async function checkTcp(o: DoctorOptions, redact: Redact): Promise<CheckResult> {
  const { host, port } = o.target;
  try {
    const { connectMs, address } = await connectOnce(host, port, o.timeoutMs);
    return {
      id: 'tcp',
      status: 'pass',
      value: formatMs(connectMs),
      detail: `connected to ${address}`,
      data: { connectMs: round(connectMs), address },
    };
  } catch (err) {
    return failed('tcp', err, 'tcp', place(o), redact);
  }
}

/**
 * Connects and then stays a moment: a proxy with no backend accepts and then resets or closes, which a
 * bare connect would call a success. Redis itself sends nothing before a command, so silence passes.
 */
function connectOnce(host: string, port: number, timeoutMs: number): Promise<{ connectMs: number; address: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let resolvedAt = start;
    let connectMs = 0;
    let grace: NodeJS.Timeout | undefined;
    let address = '';
    const socket = net.connect({ host, port, autoSelectFamily: true });
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      clearTimeout(grace);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      if (err) reject(err);
      else resolve({ connectMs, address });
    };
    const timer = setTimeout(() => finish(timeoutError(`TCP connect to ${host}:${port}`, timeoutMs)), timeoutMs);
    socket.once('lookup', () => {
      resolvedAt = performance.now();
    });
    socket.once('connect', () => {
      connectMs = performance.now() - resolvedAt;
      address = `${socket.remoteAddress}:${socket.remotePort}`;
      clearTimeout(timer);
      grace = setTimeout(() => finish(), Math.min(Math.max(20, connectMs * 3), 200));
      socket.resume(); // read (and drop) any greeting so that a close is seen
    });
    socket.once('error', (err) => finish(err));
    // The classifier's word for a peer that closed: the same message ioredis uses.
    socket.once('end', () => finish(new Error('Connection is closed.')));
  });
}

export async function checkTls(o: DoctorOptions, redact: Redact): Promise<CheckResult> {
  const { host, port } = o.target;
  if (!o.target.tls) return { id: 'tls', status: 'skip', detail: 'redis:// URL: no TLS' };
  try {
    const { result, ms } = await timed(() => handshake(o));
    return {
      id: 'tls',
      status: 'pass',
      value: formatMs(ms),
      detail: `${result.protocol}, certificate for ${result.subject}, valid until ${result.validTo}`,
      data: { handshakeMs: round(ms), protocol: result.protocol, validTo: result.validTo },
    };
  } catch (err) {
    return failed('tls', err, 'tls', { host, port, timeoutMs: o.timeoutMs }, redact);
  }
}

function handshake(o: DoctorOptions): Promise<{ protocol: string; subject: string; validTo: string }> {
  const { host, port } = o.target;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ...o.target.tlsOptions,
    });
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        reject(err);
        return;
      }
      const cert = socket.getPeerCertificate();
      const cn = cert.subject?.CN;
      const subject = (Array.isArray(cn) ? cn.join(', ') : cn) ?? (cert.subjectaltname || 'an unnamed subject');
      const result = { protocol: socket.getProtocol() ?? 'TLS', subject, validTo: cert.valid_to ?? 'unknown' };
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(timeoutError(`TLS handshake with ${host}:${port}`, o.timeoutMs)),
      o.timeoutMs,
    );
    socket.once('secureConnect', () => finish());
    socket.once('error', (err) => finish(err));
  });
}
