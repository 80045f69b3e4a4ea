import { afterEach, describe, expect, it } from 'vitest';
import {
  CLUSTER_SLOTS,
  clusterKeySlot,
  crc16,
  type RedisCluster,
  type RedisProcess,
  startCluster,
  tryConnect,
  waitFor,
} from '../src/index.js';
import { isAlive } from './helpers.js';

let cluster: RedisCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function started(opts?: Parameters<typeof startCluster>[0]): Promise<RedisCluster> {
  const t0 = Date.now();
  cluster = await startCluster(opts);
  console.log(`cluster of ${cluster.nodes.length} nodes created and ok in ${Date.now() - t0}ms`);
  return cluster;
}

function clusterInfo(out: string): Record<string, string> {
  return Object.fromEntries(out.split('\n').map((line) => line.trim().split(':') as [string, string]));
}

/** The flags a node's CLUSTER NODES line shows for the node listening on `port`. */
async function flagsOf(observer: RedisProcess, port: number): Promise<string[]> {
  const line = (await observer.cli('CLUSTER', 'NODES')).split('\n').find((l) => l.includes(`127.0.0.1:${port}@`));
  return line?.split(' ')[2]?.split(',') ?? [];
}

describe('clusterKeySlot', () => {
  it('matches the slots Redis computes, hash tags included', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3); // the CRC16-XMODEM check value
    // What CLUSTER KEYSLOT answers (redis-server 7.0); the test below also asks a live cluster for each key.
    const slots: Record<string, number> = {
      foo: 12182,
      bar: 5061,
      '': 0,
      '{user1}.a': 8106,
      user1: 8106,
      '{}foo': 9500, // an empty tag: the whole key is hashed
      'foo{}{bar}': 8363, // only the first { counts, and its tag is empty
      'foo{bar}{zap}': 5061, // the first tag only
      'foo{{bar}}zap': 4015, // the tag is `{bar`
      ключ: 10303,
    };
    for (const [key, slot] of Object.entries(slots)) expect(clusterKeySlot(key), key).toBe(slot);
    expect(clusterKeySlot(Buffer.from('foo'))).toBe(12182);
  });
});

describe('startCluster', { timeout: 30_000 }, () => {
  it('serves keys on every master through redis-cli -c; masterFor/keyOnNode agree with CLUSTER KEYSLOT', async () => {
    const c = await started();
    expect(c.nodes).toHaveLength(3);
    expect(c.startupNodes).toEqual(c.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
    const [a, b, third] = c.nodes as [RedisProcess, RedisProcess, RedisProcess];
    for (const node of c.nodes) {
      expect(clusterInfo(await node.cli('CLUSTER', 'INFO'))).toMatchObject({
        cluster_state: 'ok',
        cluster_slots_assigned: String(CLUSTER_SLOTS),
        cluster_known_nodes: '3',
        cluster_size: '3',
      });
      expect(await node.cli('CONFIG', 'GET', 'cluster-require-full-coverage')).toBe(
        'cluster-require-full-coverage\nno',
      );
    }

    const keys = ['foo', 'bar', '{user1}.a', '{user1}.b', '{}foo', 'foo{}{bar}', 'foo{{bar}}zap', 'ключ', 'a b'];
    for (const key of [...keys, `random:${Math.random()}`]) {
      const slot = clusterKeySlot(key);
      expect(slot, key).toBe(Number(await a.cli('CLUSTER', 'KEYSLOT', key)));
      const owner = await c.masterFor(key);
      expect(await c.masterFor(slot)).toBe(owner);
      // Only the owner accepts a write of the key; every other master redirects it there.
      expect(await owner.cli('SET', key, 'owned'), key).toBe('OK');
      for (const other of c.nodes.filter((n) => n !== owner)) {
        expect(await other.cli('SET', key, 'not here'), key).toBe(`MOVED ${slot} 127.0.0.1:${owner.port}`);
      }
    }
    expect(await c.masterFor(0)).toBe(a);
    expect(await c.masterFor(CLUSTER_SLOTS - 1)).toBe(third);
    await expect(c.masterFor(CLUSTER_SLOTS)).rejects.toThrow(RangeError);

    for (const [i, master] of c.nodes.entries()) {
      const key = await c.keyOnNode(master, 'user');
      expect(key).toMatch(/^user:\d+$/);
      expect(await c.masterFor(key)).toBe(master);
      // Written through another node (-c follows the MOVED redirect), stored on the owner, read back anywhere.
      const via = c.nodes[(i + 1) % c.nodes.length] as RedisProcess;
      expect(await via.cli('-c', 'SET', key, `v${i}`)).toBe('OK');
      expect(await master.cli('GET', key)).toBe(`v${i}`);
      expect(await b.cli('-c', 'GET', key)).toBe(`v${i}`);
      if (master !== via) expect(await via.cli('GET', key)).toMatch(/^MOVED \d+ 127\.0\.0\.1:\d+$/);
    }
  });

  it('a killed master: the others keep serving their keys; restarted, it rejoins with its slots and data', async () => {
    // AOF with fsync on every write, so the restarted master also gets its data back from its kept dir.
    const c = await started({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const keys = new Map<RedisProcess, string>();
    for (const [i, master] of c.nodes.entries()) {
      const key = await c.keyOnNode(master);
      keys.set(master, key);
      expect(await master.cli('SET', key, `v${i}`)).toBe('OK');
    }
    const [victim, ...others] = c.nodes as [RedisProcess, ...RedisProcess[]];
    const { pid, port } = victim;

    await victim.kill();
    expect(isAlive(pid)).toBe(false);
    // Wait until the survivors have actually marked it failed, then check that they still serve.
    await waitFor(
      async () => {
        for (const node of others) if (!(await flagsOf(node, port)).includes('fail')) return false;
        return true;
      },
      { timeoutMs: 10_000, message: `the other masters to flag ${port} as failed` },
    );
    await c.waitForClusterOk(10_000);
    for (const [i, node] of others.entries()) {
      expect(await node.cli('GET', keys.get(node) as string)).toBe(`v${i + 1}`);
      expect(await node.cli('SET', keys.get(node) as string, `w${i + 1}`)).toBe('OK');
    }
    // The dead master's slots stay assigned to it (no replica to promote): its keys are unavailable.
    expect(await c.masterFor(keys.get(victim) as string)).toBe(victim);
    await expect(others[0]?.cli('-c', 'GET', keys.get(victim) as string)).rejects.toThrow(/Connection refused/);

    const t0 = Date.now();
    await victim.restart();
    expect(victim.port).toBe(port);
    expect(victim.pid).not.toBe(pid);
    await c.waitForClusterOk(15_000);
    await waitFor(
      async () => {
        for (const node of others) if ((await flagsOf(node, port)).some((f) => f.includes('fail'))) return false;
        return true;
      },
      { timeoutMs: 10_000, message: `the other masters to clear the fail flag of ${port}` },
    );
    console.log(`killed master rejoined (restart → cluster_state:ok everywhere) in ${Date.now() - t0}ms`);

    expect(clusterInfo(await victim.cli('CLUSTER', 'INFO'))).toMatchObject({ cluster_state: 'ok', cluster_size: '3' });
    expect(await c.masterFor(keys.get(victim) as string)).toBe(victim);
    expect(await victim.cli('GET', keys.get(victim) as string)).toBe('v0'); // its own data, from the kept dir
    for (const [i, node] of c.nodes.entries()) {
      const expected = i === 0 ? 'v0' : `w${i}`;
      expect(await (others[0] as RedisProcess).cli('-c', 'GET', keys.get(node) as string)).toBe(expected);
    }
  });

  it('replicasPerMaster: masters first, each replica attached to a master; stop() kills every node', async () => {
    const c = await started({ replicasPerMaster: 1 });
    expect(c.nodes).toHaveLength(6);
    const masterPorts = c.nodes.slice(0, 3).map((n) => n.port);
    for (const master of c.nodes.slice(0, 3)) expect((await master.cli('ROLE')).split('\n')[0]).toBe('master');
    const replicaOf = new Set<number>();
    for (const replica of c.nodes.slice(3)) {
      const [role, , masterPort] = (await replica.cli('ROLE')).split('\n');
      expect(role).toBe('slave');
      expect(masterPorts).toContain(Number(masterPort));
      replicaOf.add(Number(masterPort));
      await expect(c.keyOnNode(replica)).rejects.toThrow(/serves no slots/);
    }
    expect(replicaOf.size).toBe(3);

    const pids = c.nodes.map((n) => n.pid);
    await c.stop();
    cluster = undefined;
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    for (const node of c.nodes) expect(await tryConnect(node.port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
  });

  it('rejects fewer than 3 masters', async () => {
    await expect(startCluster({ masters: 2 })).rejects.toThrow(/masters must be an integer >= 3/);
  });
});
