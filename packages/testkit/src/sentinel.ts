import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onProcessExit } from './reaper.js';
import { deadProcesses, type RedisProcess, startRedis } from './redis-server.js';
import { encodeCommand, rawExchange } from './resp.js';
import { waitFor } from './wait.js';

/** A redis-server running in sentinel mode (started through startRedis, so it is reaped the same way). */
export type SentinelProcess = RedisProcess;

export interface SentinelSetupOptions {
  /** Default 'mymaster'. */
  masterName?: string;
  /** Default 3. */
  sentinels?: number;
  /** Default 2. */
  quorum?: number;
  /** `sentinel down-after-milliseconds`; default 1000. */
  downAfterMs?: number;
  /** `sentinel failover-timeout`; default 5000. */
  failoverTimeoutMs?: number;
}

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface SentinelSetup {
  readonly masterName: string;
  /** The master at start; after a failover it is whatever sentinels say (see currentMaster()). */
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  readonly sentinels: SentinelProcess[];
  /** What a Sentinel-aware client is configured with. */
  readonly sentinelAddresses: SentinelAddress[];
  /** SENTINEL get-master-addr-by-name, asked of the first sentinel that answers. */
  currentMaster(): Promise<SentinelAddress>;
  /**
   * Resolves once every sentinel that answers reports the same master and it is not `from` any more,
   * i.e. a failover away from `from` has completed. Default timeout 30 s.
   */
  waitForFailover(from: { port: number }, timeoutMs?: number): Promise<SentinelAddress>;
  /** Kills the sentinels first (so they cannot start a failover), then the data nodes; removes the temp dir. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const PROBE_TIMEOUT_MS = 1_000;

type Fields = Record<string, string>;

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Runs a command through redis-cli in JSON mode (RESP3 maps become objects). */
async function cliJson(node: RedisProcess, ...args: string[]): Promise<unknown> {
  return JSON.parse(await node.cli('--json', ...args));
}

async function fieldList(node: RedisProcess, ...args: string[]): Promise<Fields[]> {
  const reply = await cliJson(node, ...args);
  return Array.isArray(reply) ? (reply as Fields[]) : [];
}

/** SENTINEL get-master-addr-by-name over a bare socket (cheap to poll); undefined if unknown or no answer. */
async function masterAddr(sentinel: SentinelProcess, name: string): Promise<SentinelAddress | undefined> {
  const result = await rawExchange({
    port: sentinel.port,
    payload: encodeCommand('SENTINEL', 'get-master-addr-by-name', name),
    timeoutMs: PROBE_TIMEOUT_MS,
    until: (data) => /^(\*2\r\n(\$\d+\r\n[^\r]*\r\n){2}|\*-1\r\n|[-_].*\r\n)/.test(data),
  });
  const match = /^\*2\r\n\$\d+\r\n([^\r]*)\r\n\$\d+\r\n(\d+)\r\n/.exec(result.data);
  return match?.[1] && match[2] ? { host: match[1], port: Number(match[2]) } : undefined;
}

function sentinelConfig(name: string, masterPort: number, o: Required<SentinelSetupOptions>): string {
  // port and bind come from startRedis' command line (`--port P --bind 127.0.0.1`), which acts like config lines
  // appended to this file; the sentinel writes them back here when it rewrites its config.
  return [
    'bind 127.0.0.1',
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${o.quorum}`,
    `sentinel down-after-milliseconds ${name} ${o.downAfterMs}`,
    `sentinel failover-timeout ${name} ${o.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n');
}

/**
 * Starts a master, one replica of it and N sentinels monitoring it, all on 127.0.0.1, and resolves once every
 * sentinel reports the master and knows both the replica and every other sentinel: a test may SIGKILL the master
 * right away and get a real failover.
 */
export async function startSentinelSetup(opts: SentinelSetupOptions = {}): Promise<SentinelSetup> {
  const o: Required<SentinelSetupOptions> = {
    masterName: opts.masterName ?? 'mymaster',
    sentinels: positiveInt('sentinels', opts.sentinels ?? 3, 1),
    quorum: positiveInt('quorum', opts.quorum ?? 2, 1),
    downAfterMs: positiveInt('downAfterMs', opts.downAfterMs ?? 1_000, 1),
    failoverTimeoutMs: positiveInt('failoverTimeoutMs', opts.failoverTimeoutMs ?? 5_000, 1),
  };
  if (!/^[A-Za-z0-9._-]+$/.test(o.masterName)) throw new TypeError(`masterName must be [A-Za-z0-9._-]+`);
  if (o.quorum > o.sentinels) throw new TypeError(`quorum ${o.quorum} > sentinels ${o.sentinels}: no failover`);
  const name = o.masterName;

  const root = mkdtempSync(path.join(os.tmpdir(), 'testkit-sentinel-'));
  const removeRoot = (): void => rmSync(root, { recursive: true, force: true });
  const unregister = onProcessExit(removeRoot);
  const started: RedisProcess[] = [];
  const sentinels: SentinelProcess[] = [];

  async function stop(): Promise<void> {
    await Promise.all(sentinels.map((s) => s.kill()));
    await Promise.all(started.map((p) => p.kill()));
    removeRoot();
    unregister();
  }

  try {
    // No 5 s wait for more replicas before a diskless full sync: the replica is online in milliseconds.
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    started.push(master);
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    started.push(replica);

    // Sentinels learn replicas from the master's INFO, which they refresh only every 10 s: start them once the
    // replica is online so their first INFO already lists it.
    await waitFor(
      async () => {
        const info = await master.cli('INFO', 'replication');
        return info.includes(`port=${replica.port},state=online`);
      },
      {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 50,
        message: `replica ${replica.port} to be online on the master`,
        fatal: () => deadProcesses([master, replica]),
      },
    );

    const configs = Array.from({ length: o.sentinels }, (_, i) => {
      const dir = path.join(root, `sentinel-${i}`);
      mkdirSync(dir);
      const configFile = path.join(dir, 'sentinel.conf');
      writeFileSync(configFile, sentinelConfig(name, master.port, o));
      return { dir, configFile };
    });
    const results = await Promise.allSettled(
      configs.map(async ({ dir, configFile }) => {
        const sentinel = await startRedis({ configFile, dir, args: ['--sentinel'] });
        sentinels.push(sentinel);
        return sentinel;
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    sentinels.sort((a, b) => a.port - b.port);

    await Promise.all(
      sentinels.map((sentinel) => {
        const others = sentinels.filter((s) => s !== sentinel).map((s) => s.port);
        return waitFor(() => sentinelReady(sentinel, name, master.port, replica.port, others), {
          timeoutMs: READY_TIMEOUT_MS,
          intervalMs: 100,
          message: `sentinel ${sentinel.port} to know master ${master.port}, replica ${replica.port} and sentinels ${others.join(', ')}`,
          fatal: () => deadProcesses([master, replica, ...sentinels]),
        });
      }),
    );

    const currentMaster = async (): Promise<SentinelAddress> => {
      for (const sentinel of sentinels) {
        const addr = await masterAddr(sentinel, name);
        if (addr) return addr;
      }
      throw new Error(`no sentinel answered SENTINEL get-master-addr-by-name ${name}`);
    };

    return {
      masterName: name,
      master,
      replica,
      sentinels,
      sentinelAddresses: sentinels.map((s) => ({ host: s.host, port: s.port })),
      currentMaster,
      waitForFailover: (from, timeoutMs = 30_000) =>
        waitFor(
          async () => {
            const answers = (await Promise.all(sentinels.map((s) => masterAddr(s, name)))).filter((a) => a);
            const first = answers[0];
            if (!first || first.port === from.port) return undefined;
            return answers.every((a) => a?.host === first.host && a.port === first.port) ? first : undefined;
          },
          { timeoutMs, intervalMs: 50, message: `every live sentinel to report a master other than port ${from.port}` },
        ),
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

async function sentinelReady(
  sentinel: SentinelProcess,
  name: string,
  masterPort: number,
  replicaPort: number,
  otherSentinels: number[],
): Promise<boolean> {
  const master = (await cliJson(sentinel, 'SENTINEL', 'master', name)) as Fields | null;
  if (master?.flags !== 'master' || master.port !== String(masterPort)) return false;
  const replicas = await fieldList(sentinel, 'SENTINEL', 'replicas', name);
  // A non-empty runid and link status mean the sentinel has INFO from the replica itself: it is electable.
  const replicaKnown = replicas.some(
    (r) => r.port === String(replicaPort) && r.flags === 'slave' && r.runid && r['master-link-status'] === 'ok',
  );
  if (!replicaKnown) return false;
  const peers = await fieldList(sentinel, 'SENTINEL', 'sentinels', name);
  return otherSentinels.every((port) => peers.some((p) => p.port === String(port) && p.flags === 'sentinel'));
}
