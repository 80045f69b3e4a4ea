/**
 * Turns a classified failure into one line of diagnosis and one line of fix. The error type comes from the
 * core's classifier; this module never reads error codes or messages itself.
 */
import { classifyError } from '../core.js';
import type { CheckResult } from './types.js';

export type Stage = 'dns' | 'tcp' | 'tls' | 'redis';

interface Place {
  host: string;
  port: number;
  timeoutMs: number;
}

const TEXT: Record<string, (p: Place, stage: Stage) => { detail: string; fix: string }> = {
  dns: (p) => ({
    detail: `${p.host} does not resolve: the "getaddrinfo ENOTFOUND / Name or service not known" symptom`,
    fix: 'check the hostname for typos, the DNS resolver (/etc/resolv.conf), VPN, or the Kubernetes service name and namespace',
  }),
  refused: (p) => ({
    detail: `connection refused: nothing listens on ${p.host}:${p.port} (ECONNREFUSED)`,
    fix: 'start redis-server, or check the port and that redis binds to this interface (bind, protected-mode)',
  }),
  timeout: (p, stage) =>
    stage === 'tls'
      ? {
          detail: `the TLS handshake got no answer within ${p.timeoutMs} ms: the port most likely speaks plain Redis`,
          fix: 'use redis:// for a plain port (or the server tls-port for rediss://)',
        }
      : stage === 'redis'
        ? {
            detail: `no reply within ${p.timeoutMs} ms although TCP connected: the server is paused, blocked by a slow command, overloaded, or the port expects TLS`,
            fix: 'check the server process (SIGSTOP, swap, long Lua/KEYS), its SLOWLOG and LATENCY, or use rediss:// for a TLS port',
          }
        : {
            detail: `no answer within ${p.timeoutMs} ms: packets to ${p.host}:${p.port} are dropped or the host is down`,
            fix: 'check firewalls and security groups, routes, and that the host is up; raise --timeout only for slow links',
          },
  reset: (p) => ({
    detail: `connection reset by ${p.host}:${p.port} (ECONNRESET): a proxy or load balancer without a healthy backend, or a TLS-only port`,
    fix: 'check the proxy or load balancer in front of Redis, and whether the port expects TLS (rediss://)',
  }),
  closed: (p) => ({
    detail: `${p.host}:${p.port} closed the connection: maxclients reached, a TLS-only port, a proxy without backend, or not Redis`,
    fix: 'use rediss:// for a TLS port; check connected_clients against maxclients, and that the port is Redis',
  }),
  auth: () => ({
    detail: 'authentication failed (WRONGPASS / NOAUTH): the password or ACL user is wrong, or one is required',
    fix: 'check the user and password in the URL (redis://user:PASSWORD@host:port) and the ACL user on the server (ACL LIST)',
  }),
  tls: (p) => ({
    detail: `TLS failed with ${p.host}:${p.port}: certificate not trusted or not matching, or the port does not speak TLS`,
    fix: 'use rediss:// only for a TLS port; trust the CA (redis.tls.ca in --config, or NODE_EXTRA_CA_CERTS) and check the server name',
  }),
};

const FALLBACK = (p: Place) => ({
  detail: `unexpected error talking to ${p.host}:${p.port}`,
  fix: 'see the message above; rerun with --json for the details',
});

/** A `fail` result for `err`, with its classifier type as the value. */
export function failed(
  id: string,
  err: unknown,
  stage: Stage,
  place: Place,
  redact: (s: string) => string,
): CheckResult {
  const type = classifyError(err).type;
  const text = (TEXT[type] ?? FALLBACK)(place, stage);
  const message = err instanceof Error && err.message ? redact(err.message) : undefined;
  return {
    id,
    status: 'fail',
    value: type,
    detail: message ? `${text.detail} [${message}]` : text.detail,
    fix: text.fix,
    errorType: type,
  };
}

/** An Error the classifier reads as a timeout, for the doctor's own deadlines. */
export function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`${what} did not finish within ${ms} ms`), { code: 'ETIMEDOUT' });
}

/** Rejects with `onTimeout()` if `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
