/**
 * Runs the checks in order. After a connection-level failure (DNS, TCP, TLS, AUTH, or a later timeout or
 * reset) the remaining network checks are reported as `skip`; the options lint still runs.
 */
import type { Redis } from 'ioredis';
import { classifyError } from '../core.js';
import { makeRedactor } from '../redact.js';
import { publicTarget } from '../target.js';
import type { DoctorOptions } from './context.js';
import { failed } from './explain.js';
import { infoChecks, parseInfo } from './info.js';
import { commandTimeoutMs, lintOptions } from './lint.js';
import { checkDns, checkTcp, checkTls } from './network.js';
import { checkPing } from './ping.js';
import { CONFIG_PARAMS, type ConfigParam, configChecks, configValue } from './server-config.js';
import { checkAuth } from './session.js';
import { SLOWLOG_FETCH, slowestEntries, slowlogCheck } from './slowlog.js';
import { type CheckResult, type Report, summarize } from './types.js';

/** Ids of the network checks in order, for the `skip` lines after a fatal failure. */
const NETWORK_IDS = [
  'dns',
  'tcp',
  'tls',
  'auth',
  'ping',
  'info.clients',
  'info.memory',
  'info.evicted_keys',
  'info.rejected_connections',
  'info.replication',
  'config.timeout',
  'config.tcp-keepalive',
  'config.maxmemory-policy',
  'slowlog',
] as const;

export async function runDoctor(o: DoctorOptions): Promise<Report> {
  const redact = makeRedactor([o.target.password]);
  const checks: CheckResult[] = [];
  let fatal: string | undefined;
  let client: Redis | undefined;
  let ownAddresses: string[] = [];
  let slowlog: { reply: unknown } | { error: unknown } | undefined;

  const add = (...results: CheckResult[]): void => {
    for (const r of results) {
      checks.push(r);
      if (!fatal && r.status === 'fail' && r.errorType && r.errorType !== 'command_error') fatal = r.id;
    }
  };
  const skipRest = (from: string): void => {
    for (const id of NETWORK_IDS.slice(NETWORK_IDS.indexOf(from as (typeof NETWORK_IDS)[number]))) {
      checks.push({ id, status: 'skip', detail: `skipped: ${fatal} failed` });
    }
  };
  const place = { host: o.target.host, port: o.target.port, timeoutMs: o.timeoutMs };
  /** A command whose refusal (ACL, renamed) is a warning, and whose connection failure is fatal. */
  const guarded = async (id: string, what: string, run: () => Promise<CheckResult[]>): Promise<void> => {
    try {
      add(...(await run()));
    } catch (err) {
      if (classifyError(err).category === 'command') {
        add({
          id,
          status: 'warn',
          value: 'not permitted',
          detail: `${what} was refused: ${redact(err instanceof Error ? err.message : String(err))}`,
          fix: `allow ${what} for this user (ACL SETUSER … +${what.toLowerCase().replace(' ', '|')}) or run the doctor as an admin user`,
          errorType: 'command_error',
        });
      } else {
        add(failed(id, err, 'redis', place, redact));
      }
    }
  };

  try {
    const steps: Array<[string, () => Promise<void>]> = [
      ['dns', async () => add(await checkDns(o, redact))],
      ['tcp', async () => add(await checkTcp(o, redact))],
      ['tls', async () => add(await checkTls(o, redact))],
      [
        'auth',
        async () => {
          const outcome = await checkAuth(o, redact);
          client = outcome.client;
          ownAddresses = outcome.ownAddresses ?? [];
          add(outcome.result);
          // Without a session (e.g. SELECT refused) nothing after this can run.
          if (!client) fatal ??= 'auth';
          // Read SLOWLOG before the doctor's own PINGs can push other entries out of a short log
          // (with slowlog-log-slower-than 0 every PING is logged); it is reported in its place below.
          else
            slowlog = await client.call('SLOWLOG', 'GET', SLOWLOG_FETCH).then(
              (reply) => ({ reply }),
              (error: unknown) => ({ error }),
            );
        },
      ],
      ['ping', async () => add(await checkPing(o, client!, redact))],
      [
        'info.clients',
        () =>
          guarded('info', 'INFO', async () => {
            const reply = await client!.call('INFO');
            return infoChecks(parseInfo(String(reply)));
          }),
      ],
      [
        'config.timeout',
        () =>
          guarded('config', 'CONFIG GET', async () => {
            const values: Partial<Record<ConfigParam, string>> = {};
            for (const name of CONFIG_PARAMS) {
              const v = configValue(await client!.call('CONFIG', 'GET', name), name);
              if (v !== undefined) values[name] = v;
            }
            return configChecks(values);
          }),
      ],
      [
        'slowlog',
        () =>
          guarded('slowlog', 'SLOWLOG GET', async () => {
            if (slowlog && 'error' in slowlog) throw slowlog.error;
            const reply = slowlog?.reply;
            return [
              slowlogCheck(slowestEntries(reply, ownAddresses), o.config ? commandTimeoutMs(o.config) : undefined),
            ];
          }),
      ],
    ];
    for (const [firstId, step] of steps) {
      if (fatal) {
        skipRest(firstId);
        break;
      }
      await step();
    }
  } finally {
    client?.disconnect();
  }

  if (o.config) add(...lintOptions(o.config));
  else add({ id: 'options', status: 'skip', detail: 'no --config given: pass the options file to lint them' });

  return { version: 1, target: publicTarget(o.target), checks, summary: summarize(checks) };
}
