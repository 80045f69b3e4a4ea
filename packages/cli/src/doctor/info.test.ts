import { describe, expect, it } from 'vitest';
import { formatBytes, infoChecks, parseInfo } from './info.js';

const INFO = [
  '# Clients',
  'connected_clients:8500',
  'maxclients:10000',
  '',
  '# Memory',
  'used_memory:950000000',
  'maxmemory:1000000000',
  'maxmemory_policy:allkeys-lru',
  '# Stats',
  'evicted_keys:12',
  'rejected_connections:3',
  '# Replication',
  'role:slave',
  'master_link_status:down',
].join('\r\n');

describe('INFO checks', () => {
  it('parses fields and skips headers', () => {
    const info = parseInfo(INFO);
    expect(info.get('connected_clients')).toBe('8500');
    expect(info.get('role')).toBe('slave');
    expect(info.has('# Clients')).toBe(false);
  });

  it('warns at the limits, each with a fix', () => {
    const checks = infoChecks(parseInfo(INFO));
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['info.clients', 'warn'],
      ['info.memory', 'warn'],
      ['info.evicted_keys', 'warn'],
      ['info.rejected_connections', 'warn'],
      ['info.replication', 'warn'],
    ]);
    for (const c of checks) expect(c.fix).toBeTruthy();
    expect(checks[0]!.value).toBe('8500 / 10000 (85.0%)');
    expect(checks[1]!.value).toBe('906.0 MiB / 953.7 MiB (95.0%)');
  });

  it('passes a healthy master', () => {
    const healthy = parseInfo(
      'connected_clients:2\nmaxclients:10000\nused_memory:1048576\nmaxmemory:0\nevicted_keys:0\nrejected_connections:0\nrole:master\nconnected_slaves:1\n',
    );
    const checks = infoChecks(healthy);
    expect(checks.every((c) => c.status === 'pass')).toBe(true);
    expect(checks[1]!.value).toBe('1.0 MiB used, no maxmemory');
    expect(checks[4]!.detail).toBe('1 connected replica(s)');
  });

  it('skips fields an INFO reply lacks', () => {
    expect(infoChecks(parseInfo('')).every((c) => c.status === 'skip')).toBe(true);
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
