/** CONFIG GET timeout, tcp-keepalive, maxmemory-policy (with maxmemory): settings that shape client behaviour. */
import type { CheckResult } from './types.js';

/** Below this, a server `timeout` drops pooled connections that are merely quiet. */
const SHORT_IDLE_TIMEOUT_S = 60;

export const CONFIG_PARAMS = ['timeout', 'tcp-keepalive', 'maxmemory-policy', 'maxmemory'] as const;
export type ConfigParam = (typeof CONFIG_PARAMS)[number];

/** A CONFIG GET reply: a flat `[name, value, …]` array (RESP2) or a map object (RESP3). */
export function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === name) return String(reply[i + 1]);
    return undefined;
  }
  if (typeof reply === 'object' && reply !== null && name in reply) {
    return String((reply as Record<string, unknown>)[name]);
  }
  return undefined;
}

export function configChecks(values: Partial<Record<ConfigParam, string>>): CheckResult[] {
  return [idleTimeout(values.timeout), keepalive(values['tcp-keepalive']), policy(values)];
}

function idleTimeout(raw: string | undefined): CheckResult {
  const id = 'config.timeout';
  if (raw === undefined) return { id, status: 'skip', detail: 'not reported by CONFIG GET' };
  const s = Number(raw);
  if (s > 0 && s < SHORT_IDLE_TIMEOUT_S) {
    return {
      id,
      status: 'warn',
      value: `${s} s`,
      detail: `the server closes clients idle for ${s} s: quiet pooled connections drop and the next command pays a reconnect`,
      fix: 'set timeout 0 (or several minutes) on the server, and rely on tcp-keepalive to reap dead peers',
      data: { seconds: s },
    };
  }
  return {
    id,
    status: 'pass',
    value: `${s} s`,
    detail: s === 0 ? 'idle clients are never closed by the server' : undefined,
    data: { seconds: s },
  };
}

function keepalive(raw: string | undefined): CheckResult {
  const id = 'config.tcp-keepalive';
  if (raw === undefined) return { id, status: 'skip', detail: 'not reported by CONFIG GET' };
  const s = Number(raw);
  if (s === 0) {
    return {
      id,
      status: 'warn',
      value: '0 (off)',
      detail: 'the server never probes idle peers: connections cut by a NAT or load balancer linger as dead clients',
      fix: 'CONFIG SET tcp-keepalive 300 (the default) or lower, and persist it in redis.conf',
      data: { seconds: s },
    };
  }
  return { id, status: 'pass', value: `${s} s`, data: { seconds: s } };
}

function policy(values: Partial<Record<ConfigParam, string>>): CheckResult {
  const id = 'config.maxmemory-policy';
  const name = values['maxmemory-policy'];
  if (name === undefined) return { id, status: 'skip', detail: 'not reported by CONFIG GET' };
  const maxmemory = Number(values.maxmemory ?? 0);
  const data = { policy: name, maxmemory };
  if (name === 'noeviction' && maxmemory > 0) {
    return {
      id,
      status: 'warn',
      value: name,
      detail:
        'with maxmemory set, writes fail with OOM once it is reached: right for queues and sessions, wrong for a cache',
      fix: 'for a cache use allkeys-lru or allkeys-lfu (CONFIG SET maxmemory-policy allkeys-lru); keep noeviction for data you must not lose',
      data,
    };
  }
  return {
    id,
    status: 'pass',
    value: name,
    detail: maxmemory > 0 ? undefined : 'no maxmemory set, so the policy never applies',
    data,
  };
}
