/**
 * The doctor's one Redis connection, opened with every ioredis safety net off (no retries, no offline queue,
 * no reconnect) so that each fault shows up as the error it is, within --timeout.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { classifyError } from '../core.js';
import { DOCTOR_CLIENT_NAME, type DoctorOptions, formatMs, round, timed } from './context.js';
import { failed, timeoutError, withTimeout } from './explain.js';
import type { CheckResult } from './types.js';

export interface Caller {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

const place = (o: DoctorOptions) => ({ host: o.target.host, port: o.target.port, timeoutMs: o.timeoutMs });

function clientOptions(o: DoctorOptions): RedisOptions {
  const { target } = o;
  return {
    host: target.host,
    port: target.port,
    ...(target.tls ? { tls: { servername: target.host, ...target.tlsOptions } } : {}),
    // AUTH and SELECT are sent by the doctor itself, to time them and to tell their failures apart.
    lazyConnect: true,
    protocol: 2,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    disableClientInfo: true,
    connectTimeout: o.timeoutMs,
    commandTimeout: o.timeoutMs,
  };
}

export interface AuthOutcome {
  result: CheckResult;
  /** Open and authenticated when the check passed or warned; the caller disconnects it. */
  client?: Redis;
  /** This connection as Redis lists it in SLOWLOG (`ip:port`, `[ip6]:port`). */
  ownAddresses?: string[];
}

export async function checkAuth(o: DoctorOptions, redact: (s: string) => string): Promise<AuthOutcome> {
  const client = new Redis(clientOptions(o));
  client.on('error', () => {}); // failures arrive as rejected calls; the event would only print noise
  const fail = (err: unknown): AuthOutcome => {
    client.disconnect();
    return { result: failed('auth', err, 'redis', place(o), redact) };
  };
  try {
    await withTimeout(client.connect(), o.timeoutMs, () => timeoutError('connect', o.timeoutMs));
  } catch (err) {
    return fail(err);
  }

  const { username, password } = o.target;
  const user = username ?? 'default';
  let result: CheckResult;
  if (password === undefined) {
    try {
      // CLIENT SETNAME as the probe names the connection before anything can reach SLOWLOG.
      const { ms } = await timed(() =>
        client.call('CLIENT', 'SETNAME', DOCTOR_CLIENT_NAME).catch((err: unknown) => {
          if (classifyError(err).category !== 'command') throw err;
          return client.call('PING');
        }),
      );
      result = {
        id: 'auth',
        status: 'pass',
        value: 'no password',
        detail: `the server accepts clients without AUTH (first reply in ${formatMs(ms)})`,
      };
    } catch (err) {
      if (classifyError(err).type !== 'auth') return fail(err);
      const r = failed('auth', err, 'redis', place(o), redact);
      r.detail = 'the server requires a password and the URL has none (NOAUTH)';
      r.fix = 'add the password to the URL: redis://:PASSWORD@host:port, or redis://user:PASSWORD@host:port with ACLs';
      client.disconnect();
      return { result: r };
    }
  } else {
    try {
      const args = username === undefined ? [password] : [username, password];
      const { ms } = await timed(() => client.call('AUTH', ...args));
      result = { id: 'auth', status: 'pass', value: formatMs(ms), detail: `authenticated as ${user}` };
      result.data = { ms: round(ms), user };
    } catch (err) {
      if (classifyError(err).type !== 'auth') return fail(err);
      // AUTH is also refused when the server has no password at all; then commands work regardless.
      const open = await client.call('PING').then(
        () => true,
        () => false,
      );
      if (!open) return fail(err);
      result = {
        id: 'auth',
        status: 'warn',
        value: 'not required',
        detail: `the server rejected AUTH as ${user} but accepts commands without it: it has no password configured`,
        fix: 'drop the password from the URL, or set requirepass / an ACL user on the server if it should have one',
        errorType: 'auth',
      };
    }
  }

  if (o.target.db !== 0) {
    try {
      await client.call('SELECT', o.target.db);
      result.detail += `; SELECT ${o.target.db} ok`;
    } catch (err) {
      client.disconnect();
      const r = failed('auth', err, 'redis', place(o), redact);
      if (r.errorType === 'command_error') {
        r.detail = `SELECT ${o.target.db} failed: the server has fewer databases, or is a cluster (db 0 only)`;
        r.fix = 'use a database index below the server `databases` setting, or /0 on a cluster';
      }
      return { result: r };
    }
  }
  // Named so that SLOWLOG can leave out the doctor's own commands; a refusal here changes nothing else.
  await client.call('CLIENT', 'SETNAME', DOCTOR_CLIENT_NAME).catch(() => undefined);
  const { localAddress, localPort } = client.stream ?? {};
  const ownAddresses = localAddress ? [`${localAddress}:${localPort}`, `[${localAddress}]:${localPort}`] : [];
  return { result, client, ownAddresses };
}
