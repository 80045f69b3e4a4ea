/**
 * Nothing lost, nothing duplicated: a producer process publishes while Redis is down and is SIGKILLed mid-outage;
 * a restarted producer publishes the rest from the same spool; Redis restarts; the stream holds exactly N, in order.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnNode, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const producerFile = join(here, 'fixtures', 'producer.ts');
const coreDir = join(here, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rr-crash-'));

afterAll(async () => {
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

/** Spawn the producer from source (tsx resolves from packages/core) and collect its stdout lines. */
function producer(env: Record<string, string>) {
  const child: ChildProcess = spawnNode(producerFile, { cwd: coreDir, env: { NODE_OPTIONS: '--import tsx', ...env } });
  const lines: string[] = [];
  let stderr = '';
  let buf = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  // 'close' comes once the child exited and its stdout is read to the end: no line can arrive after it.
  let gone = false;
  const closed = new Promise<void>((r) =>
    child.once('close', () => {
      gone = true;
      r();
    }),
  );
  const lastPublished = () => {
    const seqs = lines.filter((l) => l.startsWith('published ')).map((l) => Number(l.split(' ')[1]));
    return seqs.length ? Math.max(...seqs) : -1;
  };
  /**
   * Wait for `probe`, failing at once (with the producer's stderr) if the producer exits first. Local rather than
   * testkit's waitFor, which takes a throwing probe for "not yet" and would wait out the whole deadline.
   */
  const until = async (what: string, probe: () => boolean, timeoutMs = 30_000) => {
    const deadline = performance.now() + timeoutMs;
    while (!probe()) {
      if (gone) {
        const { code, signal } = await exited;
        throw new Error(
          `${what}: the producer exited first (code ${code}, signal ${signal})\nproducer stderr:\n${stderr}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${what}: not within ${timeoutMs} ms\nproducer stderr:\n${stderr}`);
      await Promise.race([sleep(Math.min(20, left)), closed]);
    }
  };
  return { child, lines, exited, lastPublished, until, stderr: () => stderr };
}

it('SIGKILL mid-outage, restart, then Redis back: exactly N messages in order, 0 lost, 0 duplicated', async () => {
  const N = 300;
  const stream = 'orders.created';
  const server = await startRedis();
  const spool = join(dir, 'spool.db');
  const env = { REDIS_URL: server.url, SPOOL: spool, STREAM: stream };
  await server.kill(); // Redis is down for the whole life of the first producer

  const first = producer({ ...env, FROM: '0', TO: String(N), PACE_MS: '2' });
  await first.until('the first producer to publish 100 messages', () => first.lastPublished() >= 99);
  first.child.kill('SIGKILL');
  const firstExit = await first.exited;
  expect(firstExit.signal).toBe('SIGKILL');
  const acknowledged = first.lastPublished(); // every message up to here had its publish resolved
  expect(acknowledged).toBeGreaterThanOrEqual(99);
  expect(acknowledged).toBeLessThan(N - 1);
  expect(first.lines.filter((l) => l.startsWith('published ')).every((l) => l.endsWith(' true'))).toBe(true);

  // The restarted producer finds the spool and publishes the rest (same ids: the app resumes where it knows it got to).
  const second = producer({ ...env, FROM: String(acknowledged + 1), TO: String(N), DRAIN: '1' });
  await second.until('the second producer to publish the rest', () => second.lines.includes('all published'));
  const started = second.lines.find((l) => l.startsWith('started'));
  expect(Number(started?.split('=')[1])).toBeGreaterThanOrEqual(acknowledged + 1);

  await server.restart();
  await second.until('the spool to drain into Redis', () => second.lines.includes('drained'));
  expect((await second.exited).code).toBe(0);

  const redis = new Redis(server.url);
  try {
    const rows = await redis.xrange(stream, '-', '+');
    const seqs = rows.map(([, f]) => Number(f[f.indexOf('seq') + 1]));
    const ids = rows.map(([, f]) => f[f.indexOf('idempotency_id') + 1]);
    expect(rows).toHaveLength(N);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(new Set(ids).size).toBe(N);
  } finally {
    redis.disconnect();
  }
});
