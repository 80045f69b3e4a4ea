/**
 * A damaged queue spool, with real files and a real redis-server: garbage written into the file, the file cut to
 * half, the file emptied to 0 bytes (each between two runs of the producer), a row that no longer decodes, and a page
 * damaged under a running process. Each time the damage is found, reported (log naming the file, counter, health),
 * the file is moved aside, whatever can be read is replayed in order, and publishing goes on.
 */
import { closeSync, existsSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { waitFor } from '@redis-resilience/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../src/fallback/spool.js';
import { init, type RedisResilience, type ResilienceOptions } from '../../src/index.js';
import { FAST, proxiedRedis, ready } from './helpers.js';

const env = proxiedRedis();
const spoolFile = () => env.spoolFile();

const open: RedisResilience[] = [];
afterEach(async () => {
  await env.proxy.setMode('pass');
  for (const rr of open.splice(0)) await rr.close();
});

interface LogEntry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A real instance (metrics, logs, health) whose Redis goes through the fault proxy. */
function instance(spoolPath: string, queue: Record<string, unknown> = {}) {
  const logs: LogEntry[] = [];
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, obj: obj as never, msg });
  const options: ResilienceOptions = {
    redis: env.proxy.url,
    ...FAST,
    serviceName: 'spool-damage',
    tracing: false,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    fallbacks: { queue: { spoolPath, replayIntervalMs: 50, ...queue } },
  };
  const rr = init(options);
  open.push(rr);
  return { rr, logs };
}

/** Write `bytes` over the file at `offset`, as a failing disk or a stray writer would. */
function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

let streamN = 0;
const newStream = () => `damage.${++streamN}`;

/** First life of the producer: Redis unreachable, `n` messages spooled with ids m0…, then a clean close. */
async function spoolWhileDown(path: string, stream: string, n: number, body = ''): Promise<void> {
  await env.proxy.setMode('refuse');
  const { rr } = instance(path, { replayIntervalMs: 60_000 });
  for (let seq = 0; seq < n; seq++) {
    const r = await rr.queue.publish(stream, { seq, ...(body && { body }) }, { id: `m${seq}` });
    if (!r.spooled) throw new Error(`message ${seq} was not spooled`);
  }
  await rr.close();
}

async function seqsIn(stream: string): Promise<number[]> {
  const rows = await env.raw.xrange(stream, '-', '+');
  return rows.map(([, f]) => Number(f[f.indexOf('seq') + 1]));
}

const metric = async (rr: RedisResilience, name: string, labels: string) => {
  const line = (await rr.metrics()).split('\n').find((l) => l.startsWith(`redis_resilience_${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

/**
 * After damage between two runs: the second run opens the spool, reports the damage once, replays what it salvaged
 * in order, and publishes straight to Redis. Returns what health() said.
 */
async function expectRecovered(path: string, stream: string, reason: string) {
  await env.proxy.setMode('pass');
  const { rr, logs } = instance(path);
  await ready(rr);
  const queue = rr.queue; // before: threw "could not be opened" on every access for a truncated file
  await waitFor(() => queue.spooled() === 0, { timeoutMs: 15_000, message: 'the salvaged messages replayed' });

  // Publishing goes straight to Redis again.
  const direct = await queue.publish(stream, { seq: 1000 }, { id: 'after' });
  expect(direct.spooled).toBe(false);

  const health = await rr.health();
  const q = health.queue!;
  expect(q).toMatchObject({ spooled: 0, quarantined: 1, lastQuarantine: { reason } });
  const salvaged = q.lastQuarantine!.salvaged;

  // Salvaged messages reached the stream once each, in publish order; nothing was invented.
  const seqs = await seqsIn(stream);
  expect(seqs.at(-1)).toBe(1000);
  const replayed = seqs.slice(0, -1);
  expect(replayed).toHaveLength(salvaged);
  expect(replayed.every((s, i) => s >= 0 && s < 500 && (i === 0 || s > replayed[i - 1]!))).toBe(true);

  // Counted, and logged with the spool's path and where the damaged file went, which is still on disk.
  expect(await metric(rr, 'queue_spool_quarantined_total', `client="spool-damage",reason="${reason}"`)).toBe(1);
  const entries = logs.filter((l) => l.obj.spool === path);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ level: 'error', obj: { reason, salvaged, during: 'open' } });
  const quarantinedAs = String(entries[0]!.obj.quarantined_as);
  expect(quarantinedAs.startsWith(`${path}.damaged-`)).toBe(true);
  expect(existsSync(quarantinedAs)).toBe(true);
  return { health, salvaged, quarantinedAs };
}

describe('a damaged spool file found at open', () => {
  it('4 KB of garbage over a page of messages: the readable ones are replayed, the rest reported lost', async () => {
    const path = spoolFile();
    const stream = newStream();
    await spoolWhileDown(path, stream, 500);
    // The page holding message 250 (pages are 4 KB): garbage there loses that page's messages, and only those.
    const page = Math.floor(readFileSync(path).indexOf('[["seq","250"]') / 4096) * 4096;
    expect(page).toBeGreaterThan(0);
    overwrite(path, page, Buffer.alloc(4096, 0xa5));
    // before: publish kept answering { spooled: true }, replay failed every second in silence, 0 messages delivered
    const { salvaged, health } = await expectRecovered(path, stream, 'corrupt');
    expect(salvaged).toBeGreaterThan(0);
    expect(salvaged).toBeLessThan(500);
    expect(health.queue!.lastQuarantine!.unreadable).toBe(500 - salvaged);
  });

  it('cut to half its size: the first half of the messages is replayed', async () => {
    const path = spoolFile();
    const stream = newStream();
    await spoolWhileDown(path, stream, 500);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    // before: `rr.queue` threw on every access, so nothing could be published even with Redis up
    const { salvaged } = await expectRecovered(path, stream, 'truncated');
    expect(salvaged).toBeGreaterThan(100);
    expect(await seqsIn(stream)).toEqual([...Array.from({ length: salvaged }, (_, i) => i), 1000]);
  });

  it('emptied to 0 bytes: the loss is reported, not passed off as an empty spool', async () => {
    const path = spoolFile();
    const stream = newStream();
    await spoolWhileDown(path, stream, 500);
    truncateSync(path, 0);
    // before: the 500 messages vanished without a word
    const { salvaged, quarantinedAs } = await expectRecovered(path, stream, 'emptied');
    expect(salvaged).toBe(0);
    expect(statSync(quarantinedAs).size).toBe(0);
  });
});

describe('damage found on replay', () => {
  it('a message whose stored fields no longer decode: the pass moves the file aside and delivers the rest', async () => {
    const path = spoolFile();
    const stream = newStream();
    await spoolWhileDown(path, stream, 500);
    // Flip one byte of message 250's stored JSON: SQLite's checks cannot see it, decoding can.
    const file = readFileSync(path);
    const at = file.indexOf('[["seq","250"]');
    expect(at).toBeGreaterThan(0);
    overwrite(path, at, Buffer.from('#'));

    await env.proxy.setMode('pass');
    const { rr, logs } = instance(path);
    // before: every pass threw on the batch holding message 250, in silence; 250 messages were never delivered
    await waitFor(() => rr.queue.spooled() === 0, { timeoutMs: 15_000, message: 'the spool drained' });
    expect(await seqsIn(stream)).toEqual(Array.from({ length: 500 }, (_, i) => i).filter((s) => s !== 250));
    const q = (await rr.health()).queue!;
    expect(q).toMatchObject({
      quarantined: 1,
      // Two batches of 100 were delivered before the pass met message 250; the other 299 were salvaged.
      lastQuarantine: { reason: 'corrupt', salvaged: 299, unreadable: 1 },
      replay: { failures: 1, failing: false, lastFailure: { reason: 'corrupt' } },
    });
    expect(await metric(rr, 'queue_replay_failures_total', 'client="spool-damage",reason="corrupt"')).toBe(1);
    expect(logs.filter((l) => l.obj.spool === path).map((l) => l.obj.during)).toEqual(['replay']);
  });

  it('a page damaged under a running process: SQLITE_CORRUPT on replay is recovered from, not swallowed', async () => {
    const path = spoolFile();
    const stream = newStream();
    // Bigger than SQLite's page cache, so the replay reads the damaged page from disk.
    const body = 'x'.repeat(1000);
    const seed = new Spool(path);
    for (let seq = 0; seq < 4000; seq++)
      seed.append(stream, `m${seq}`, [
        ['seq', String(seq)],
        ['body', body],
      ]);
    seed.close();
    await env.proxy.setMode('refuse');
    const { rr } = instance(path);
    expect(rr.queue.spooled()).toBe(4000); // opened (and checked) while Redis is away
    const size = statSync(path).size;
    overwrite(path, Math.floor(size / 3 / 4096) * 4096, Buffer.alloc(4096, 0xa5));

    await env.proxy.setMode('pass');
    await waitFor(() => rr.queue.spooled() === 0, { timeoutMs: 30_000, message: 'the spool drained' });
    const q = (await rr.health()).queue!;
    expect(q.lastQuarantine).toMatchObject({ reason: 'corrupt' });
    expect(q.replay.failures).toBe(1);
    const seqs = await seqsIn(stream);
    // Every message but those on the damaged page reached the stream, in order.
    expect(q.lastQuarantine!.unreadable).toBeGreaterThan(0);
    expect(seqs).toHaveLength(4000 - q.lastQuarantine!.unreadable);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  });
});
