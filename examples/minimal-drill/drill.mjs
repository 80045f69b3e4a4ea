// A minimal outage drill (the full demo with an example API lands with issue #7).
// Starts a private redis-server, kills it, and times the same GET on ioredis defaults and on redis-resilience.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { init, isCircuitOpenError } from '@redis-resilience/core';
import { Redis } from 'ioredis';

if (spawnSync('redis-server', ['--version']).error) {
  console.error('redis-server is missing: run `bash scripts/setup.sh` (or `sudo apt-get install -y redis-server`).');
  process.exit(1);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const port = await freePort();
const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-drill-'));
const startRedis = async () => {
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => r(s.end() && true)).on('error', () => r(false));
    });
    if (up) return p;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
};
const url = `redis://127.0.0.1:${port}`;
const ms = (t) => `${t.toFixed(1)} ms`;
const time = async (fn) => {
  const t0 = performance.now();
  try {
    await fn();
    return { ms: performance.now() - t0, ok: true };
  } catch (e) {
    return { ms: performance.now() - t0, ok: false, error: e };
  }
};

let redis = await startRedis();
const naive = new Redis(url);
naive.on('error', () => {});
const rr = init({ redis: url, serviceName: 'drill', breaker: { volumeThreshold: 5, resetTimeoutMs: 1000 } });
await rr.client.set('greeting', 'hello');
console.log(`redis-server on ${url}: GET ->`, await rr.client.get('greeting'));

console.log('\nKilling Redis (SIGKILL)...');
redis.kill('SIGKILL');
await new Promise((r) => redis.once('exit', r));

const naiveGet = time(() => naive.get('greeting'));
let first;
for (let i = 0; i < 50; i++) {
  const r = await time(() => rr.client.get('greeting'));
  first ??= r;
  if (!r.ok && isCircuitOpenError(r.error)) break;
}
const samples = [];
for (let i = 0; i < 1000; i++) samples.push((await time(() => rr.client.get('greeting'))).ms);
samples.sort((a, b) => a - b);
console.log(`redis-resilience: first failure after ${ms(first.ms)} (${first.error?.code}), then the breaker opened:`);
console.log(`  1000 GETs with the breaker open: p50 ${ms(samples[500])}, p99 ${ms(samples[990])}`);
const raced = await Promise.race([naiveGet, sleep(5000).then(() => undefined)]);
console.log(
  raced
    ? `ioredis defaults: GET settled after ${ms(raced.ms)}`
    : 'ioredis defaults: GET still pending after 5 s (it waits ~73 s before MaxRetriesPerRequestError)',
);

console.log('\nRestarting Redis...');
redis = await startRedis();
const t0 = performance.now();
while ((await rr.health()).status !== 'ok') await sleep(20);
console.log(
  `redis-resilience: healthy again ${ms(performance.now() - t0)} after restart; GET ->`,
  await rr.client.get('greeting'),
);
console.log('(the restarted server has no data, so the value is null; the call itself succeeds)');

naive.disconnect();
await rr.close();
redis.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
process.exit(0);
