import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type SentinelSetup, startSentinelSetup, tryConnect, waitFor } from '../src/index.js';
import { isAlive } from './helpers.js';

let setup: SentinelSetup | undefined;
afterEach(async () => {
  await setup?.stop();
  setup = undefined;
});

/** Flat `key\nvalue\n...` redis-cli output of one RESP map → object. */
function fields(out: string): Record<string, string> {
  const lines = out.split('\n');
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) record[lines[i] as string] = lines[i + 1] as string;
  return record;
}

describe('startSentinelSetup', { timeout: 30_000 }, () => {
  it('reports the master, and every sentinel knows the replica and the other sentinels', async () => {
    const t0 = Date.now();
    setup = await startSentinelSetup({ masterName: 'cache' });
    console.log(`sentinel setup ready in ${Date.now() - t0}ms`);
    const { master, replica, sentinels } = setup;

    expect(setup.masterName).toBe('cache');
    expect(sentinels).toHaveLength(3);
    expect(setup.sentinelAddresses).toEqual(sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })));
    expect(new Set([master.port, replica.port, ...sentinels.map((s) => s.port)]).size).toBe(5);
    expect(await setup.currentMaster()).toEqual({ host: '127.0.0.1', port: master.port });

    expect(await replica.cli('ROLE')).toMatch(new RegExp(`^slave\\n127\\.0\\.0\\.1\\n${master.port}\\n`));
    for (const sentinel of sentinels) {
      expect(isAlive(sentinel.pid)).toBe(true);
      expect(await sentinel.cli('INFO', 'server')).toMatch(/redis_mode:sentinel/);
      const info = fields(await sentinel.cli('SENTINEL', 'master', 'cache'));
      expect(info).toMatchObject({
        port: String(master.port),
        flags: 'master',
        quorum: '2',
        'down-after-milliseconds': '1000',
        'failover-timeout': '5000',
        'parallel-syncs': '1',
        'num-slaves': '1',
        'num-other-sentinels': '2',
      });
      expect(await sentinel.cli('SENTINEL', 'get-master-addr-by-name', 'cache')).toBe(`127.0.0.1\n${master.port}`);
      expect(await sentinel.cli('SENTINEL', 'replicas', 'cache')).toContain(`127.0.0.1:${replica.port}`);
    }

    // Each sentinel got its own writable config file, and rewrote it with what it discovered.
    const configFiles = sentinels.map((s) => `/proc/${s.pid}/cwd/sentinel.conf`);
    for (const file of configFiles) {
      expect(existsSync(file)).toBe(true);
      const config = readFileSync(file, 'utf8');
      expect(config).toContain(`sentinel monitor cache 127.0.0.1 ${master.port} 2`);
      expect(config).toMatch(new RegExp(`sentinel known-replica cache 127\\.0\\.0\\.1 ${replica.port}`));
      expect(config).toMatch(/sentinel known-sentinel cache 127\.0\.0\.1 \d+ [0-9a-f]{40}/);
    }

    const pids = [master.pid, replica.pid, ...sentinels.map((s) => s.pid)];
    const ports = [master.port, replica.port, ...sentinels.map((s) => s.port)];
    await setup.stop();
    setup = undefined;
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    for (const port of ports) expect(await tryConnect(port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
  });

  it('SIGKILL of the master: sentinels promote the replica, which accepts writes', async () => {
    setup = await startSentinelSetup();
    const { master, replica, sentinels } = setup;
    await master.cli('SET', 'before', '1');
    await waitFor(async () => (await replica.cli('GET', 'before')) === '1', { message: 'the write to replicate' });

    const t0 = Date.now();
    await master.kill();
    const promoted = await setup.waitForFailover(master, 15_000);
    console.log(`sentinel failover (SIGKILL → all sentinels report the new master) took ${Date.now() - t0}ms`);

    expect(promoted).toEqual({ host: '127.0.0.1', port: replica.port });
    expect(await setup.currentMaster()).toEqual(promoted);
    for (const sentinel of sentinels) {
      expect(await sentinel.cli('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toBe(`127.0.0.1\n${replica.port}`);
    }
    expect((await replica.cli('ROLE')).split('\n')[0]).toBe('master');
    expect(await replica.cli('SET', 'after', '2')).toBe('OK');
    expect(await replica.cli('GET', 'after')).toBe('2');
    expect(await replica.cli('GET', 'before')).toBe('1');
  });

  it('currentMaster() skips dead sentinels; invalid options are rejected', async () => {
    await expect(startSentinelSetup({ sentinels: 1, quorum: 2 })).rejects.toThrow(/quorum 2 > sentinels 1/);
    await expect(startSentinelSetup({ masterName: 'a b' })).rejects.toThrow(/masterName/);

    setup = await startSentinelSetup({ sentinels: 2, quorum: 1 });
    await setup.sentinels[0]?.kill();
    expect(await setup.currentMaster()).toEqual({ host: '127.0.0.1', port: setup.master.port });
    await setup.sentinels[1]?.kill();
    await expect(setup.currentMaster()).rejects.toThrow(/no sentinel answered/);
  });
});
