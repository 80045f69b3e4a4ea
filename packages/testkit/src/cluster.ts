import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { onProcessExit } from './reaper.js';
import { deadProcesses, type RedisProcess, startRedis } from './redis-server.js';
import { ping } from './resp.js';
import { waitFor } from './wait.js';

export const CLUSTER_SLOTS = 16_384;

export interface StartClusterOptions {
  /** Default 3 (redis-cli --cluster create needs at least 3). */
  masters?: number;
  /** Default 0. */
  replicasPerMaster?: number;
  /** Extra redis-server arguments for every node (appended last, so they can override the cluster defaults). */
  args?: string[];
}

export interface ClusterAddress {
  host: string;
  port: number;
}

export interface RedisCluster {
  /** Masters first (in slot order), then replicas. restart() keeps each node's dir, so it rejoins with nodes.conf. */
  readonly nodes: RedisProcess[];
  /** What a cluster client is configured with: every node's address, in `nodes` order. */
  readonly startupNodes: ClusterAddress[];
  /** The node serving a slot (or a key's slot), by CLUSTER SLOTS as seen by the first live node. */
  masterFor(slotOrKey: number | string): Promise<RedisProcess>;
  /** A key (`prefix:N`) whose slot `node` serves. */
  keyOnNode(node: RedisProcess, prefix?: string): Promise<string>;
  /** Resolves once every live node says cluster_state:ok and they all report the same CLUSTER SLOTS. */
  waitForClusterOk(timeoutMs?: number): Promise<void>;
  /** Kills every node and removes their data dirs. */
  stop(): Promise<void>;
}

/** CRC16-XMODEM (poly 0x1021, init 0), the checksum Redis Cluster hashes keys with. */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot of a key, honouring hash tags: only a non-empty `{...}` (the first one) is hashed. */
export function clusterKeySlot(key: string | Uint8Array): number {
  let bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  return crc16(bytes) % CLUSTER_SLOTS;
}

const READY_TIMEOUT_MS = 20_000;
const CREATE_ATTEMPTS = 5;

type SlotRange = { start: number; end: number; master: number; replicas: number[] };

/** CLUSTER SLOTS through redis-cli --json: [[start, end, [ip, port, id, {...}], ...replicas], ...] */
async function clusterSlots(node: RedisProcess): Promise<SlotRange[]> {
  const reply = JSON.parse(await node.cli('--json', 'CLUSTER', 'SLOTS')) as [number, number, ...[string, number][]][];
  return reply
    .map(([start, end, master, ...replicas]) => ({
      start,
      end,
      master: Number(master?.[1]),
      replicas: replicas.map((r) => Number(r[1])).sort((a, b) => a - b),
    }))
    .sort((a, b) => a.start - b.start);
}

function clusterArgs(busPort: number): string[] {
  return [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf', // relative to --dir, which survives restart()
    '--cluster-node-timeout',
    '1000',
    '--cluster-require-full-coverage',
    'no',
    // The bus port defaults to port + 10000, which can be taken or beyond 65535 for a kernel-picked port.
    '--cluster-port',
    String(busPort),
    // Replicas sync at once instead of after the default 5 s wait for more replicas, and CLUSTER SLOTS lists a
    // replica only once its replication offset is non-zero, which the master's replica PINGs (default: every 10 s)
    // are what advance on an idle master.
    '--repl-diskless-sync-delay',
    '0',
    '--repl-ping-replica-period',
    '1',
  ];
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/**
 * Starts masters × (1 + replicasPerMaster) cluster-enabled redis-servers on 127.0.0.1, joins them with
 * `redis-cli --cluster create`, and resolves once every node says cluster_state:ok and all agree on CLUSTER SLOTS.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = positiveInt('masters', opts.masters ?? 3, 3);
  const replicasPerMaster = positiveInt('replicasPerMaster', opts.replicasPerMaster ?? 0, 0);
  const total = masters * (1 + replicasPerMaster);

  const root = mkdtempSync(path.join(os.tmpdir(), 'testkit-cluster-'));
  const removeRoot = (): void => rmSync(root, { recursive: true, force: true });
  const unregister = onProcessExit(removeRoot);
  const started: RedisProcess[] = [];

  async function stop(): Promise<void> {
    await Promise.all(started.map((node) => node.kill()));
    removeRoot();
    unregister();
  }

  async function startNode(index: number): Promise<RedisProcess> {
    for (let attempt = 1; ; attempt++) {
      const dir = path.join(root, `node-${index}-${attempt}`);
      try {
        // Sequential starts: a listening node's ports are never handed out again by freePort().
        return await startRedis({ dir, args: [...clusterArgs(await freePort()), ...(opts.args ?? [])] });
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        // startRedis re-picks a taken port itself, not a taken bus port: pick another one here.
        if (attempt < CREATE_ATTEMPTS && /Address already in use/.test(String(err))) continue;
        throw err;
      }
    }
  }

  try {
    for (let i = 0; i < total; i++) started.push(await startNode(i));

    const [first] = started as [RedisProcess];
    await first.cli(
      '--cluster',
      'create',
      ...started.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      String(replicasPerMaster),
      '--cluster-yes',
    );

    async function liveNodes(): Promise<RedisProcess[]> {
      const alive = await Promise.all(started.map((node) => ping(node.port)));
      return started.filter((_, i) => alive[i]);
    }

    async function clusterOk(): Promise<SlotRange[] | false> {
      const live = await liveNodes();
      if (live.length === 0) return false;
      const views: string[] = [];
      let slots: SlotRange[] = [];
      for (const node of live) {
        if (!(await node.cli('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        slots = await clusterSlots(node);
        views.push(JSON.stringify(slots));
      }
      return views.every((view) => view === views[0]) ? slots : false;
    }

    const waitForClusterOk = async (timeoutMs = READY_TIMEOUT_MS): Promise<void> => {
      await waitFor(clusterOk, {
        timeoutMs,
        intervalMs: 100,
        message: 'every live cluster node to report cluster_state:ok and the same CLUSTER SLOTS',
      });
    };

    const slots = await waitFor(
      async () => {
        const view = await clusterOk();
        // Also wait until every replica is attached (listed under its master) in every node's view.
        const listed = view ? view.reduce((n, range) => n + 1 + range.replicas.length, 0) : 0;
        return view && view.length === masters && listed === total ? view : false;
      },
      {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 100,
        message: `the new cluster of ${total} nodes to report cluster_state:ok and agree on CLUSTER SLOTS`,
        fatal: () => deadProcesses(started),
      },
    );

    const byPort = new Map(started.map((node) => [node.port, node]));
    const ordered = [...slots.map((r) => r.master), ...slots.flatMap((r) => r.replicas)];
    const nodes = ordered.map((port) => byPort.get(port) as RedisProcess);

    async function currentSlots(): Promise<SlotRange[]> {
      let lastError: unknown;
      for (const node of nodes) {
        try {
          return await clusterSlots(node);
        } catch (err) {
          lastError = err;
        }
      }
      throw new Error('no cluster node answered CLUSTER SLOTS', { cause: lastError });
    }

    const masterFor = async (slotOrKey: number | string): Promise<RedisProcess> => {
      const slot = typeof slotOrKey === 'string' ? clusterKeySlot(slotOrKey) : slotOrKey;
      if (!Number.isInteger(slot) || slot < 0 || slot >= CLUSTER_SLOTS) throw new RangeError(`no slot ${slot}`);
      const range = (await currentSlots()).find((r) => r.start <= slot && slot <= r.end);
      const node = range && byPort.get(range.master);
      if (!node) throw new Error(`slot ${slot} is not served by any node of this cluster`);
      return node;
    };

    const keyOnNode = async (node: RedisProcess, prefix = 'key'): Promise<string> => {
      const ranges = (await currentSlots()).filter((r) => r.master === node.port);
      if (ranges.length === 0) throw new Error(`node ${node.port} serves no slots (is it a replica?)`);
      for (let i = 0; i < 100_000; i++) {
        const key = `${prefix}:${i}`;
        const slot = clusterKeySlot(key);
        if (ranges.some((r) => r.start <= slot && slot <= r.end)) return key;
      }
      throw new Error(`no key ${prefix}:N maps to a slot of node ${node.port} (a hash tag in the prefix?)`);
    };

    return {
      nodes,
      startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
      masterFor,
      keyOnNode,
      waitForClusterOk,
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
