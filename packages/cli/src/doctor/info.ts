/** INFO: clients, memory, evictions, rejected connections and replication role. */
import type { CheckResult } from './types.js';

const CLIENTS_WARN = 0.8;
const MEMORY_WARN = 0.9;

/** `key:value` lines of an INFO reply; section headers and blank lines are skipped. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

export function infoChecks(info: Map<string, string>): CheckResult[] {
  const n = (key: string): number | undefined => {
    const v = info.get(key);
    return v === undefined || v === '' ? undefined : Number(v);
  };
  return [clients(n), memory(n, info), evictions(n), rejected(n), replication(n, info)];
}

type Num = (key: string) => number | undefined;

function clients(n: Num): CheckResult {
  const id = 'info.clients';
  const connected = n('connected_clients');
  const max = n('maxclients');
  if (connected === undefined) return { id, status: 'skip', detail: 'INFO has no connected_clients' };
  if (!max) return { id, status: 'pass', value: `${connected} connected`, data: { connected } };
  const value = `${connected} / ${max} (${pct(connected, max)})`;
  const data = { connected, max };
  if (connected >= CLIENTS_WARN * max) {
    return {
      id,
      status: 'warn',
      value,
      detail: `connected_clients is above ${CLIENTS_WARN * 100}% of maxclients: new connections will soon be refused`,
      fix: 'look for connection leaks (CLIENT LIST by name/age), size pools down, or raise maxclients',
      data,
    };
  }
  return { id, status: 'pass', value, data };
}

function memory(n: Num, info: Map<string, string>): CheckResult {
  const id = 'info.memory';
  const used = n('used_memory');
  const max = n('maxmemory');
  if (used === undefined) return { id, status: 'skip', detail: 'INFO has no used_memory' };
  const policy = info.get('maxmemory_policy');
  if (!max) {
    return {
      id,
      status: 'pass',
      value: `${formatBytes(used)} used, no maxmemory`,
      detail: 'no maxmemory: the server grows until the host or container runs out of memory',
      data: { used, max: 0 },
    };
  }
  const value = `${formatBytes(used)} / ${formatBytes(max)} (${pct(used, max)})`;
  const data = { used, max, ...(policy ? { policy } : {}) };
  if (used >= MEMORY_WARN * max) {
    return {
      id,
      status: 'warn',
      value,
      detail: `used_memory is above ${MEMORY_WARN * 100}% of maxmemory (policy ${policy ?? 'unknown'}): evictions or OOM errors are near`,
      fix: 'raise maxmemory, set TTLs on cache keys, or use an evicting policy for a cache (allkeys-lru)',
      data,
    };
  }
  return { id, status: 'pass', value, data };
}

function evictions(n: Num): CheckResult {
  const id = 'info.evicted_keys';
  const evicted = n('evicted_keys');
  if (evicted === undefined) return { id, status: 'skip', detail: 'INFO has no evicted_keys' };
  if (evicted > 0) {
    return {
      id,
      status: 'warn',
      value: String(evicted),
      detail: 'keys were evicted since the server started: it hit maxmemory; fine for a cache, data loss for a store',
      fix: 'raise maxmemory or shorten TTLs; keep sessions and queues on a server that does not evict',
      data: { evicted },
    };
  }
  return { id, status: 'pass', value: '0', data: { evicted } };
}

function rejected(n: Num): CheckResult {
  const id = 'info.rejected_connections';
  const count = n('rejected_connections');
  if (count === undefined) return { id, status: 'skip', detail: 'INFO has no rejected_connections' };
  if (count > 0) {
    return {
      id,
      status: 'warn',
      value: String(count),
      detail: 'connections were refused since the server started because maxclients was reached',
      fix: 'find the clients that hold many connections (CLIENT LIST), fix leaks or raise maxclients',
      data: { rejected: count },
    };
  }
  return { id, status: 'pass', value: '0', data: { rejected: count } };
}

function replication(n: Num, info: Map<string, string>): CheckResult {
  const id = 'info.replication';
  const role = info.get('role');
  if (role === undefined) return { id, status: 'skip', detail: 'INFO has no role' };
  if (role === 'master') {
    const replicas = n('connected_slaves') ?? 0;
    return {
      id,
      status: 'pass',
      value: 'master',
      detail: `${replicas} connected replica(s)`,
      data: { role, replicas },
    };
  }
  const link = info.get('master_link_status');
  if (link !== 'up') {
    return {
      id,
      status: 'warn',
      value: role,
      detail: `replica whose link to its master is ${link ?? 'unknown'}: reads may be stale`,
      fix: 'check the master and the replication link (INFO replication on both)',
      data: { role, link: link ?? null },
    };
  }
  return {
    id,
    status: 'pass',
    value: role,
    detail: 'replica with its master link up: writes fail with READONLY here, point writers at the master',
    data: { role, link },
  };
}
