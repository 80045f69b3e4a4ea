/**
 * What breaker/breaker.ts relies on in opossum, beyond its documented API: `status.window` and its buckets (internals) and the
 * behaviour of `rotateBucketController`, `fire`, `open` events and `close()`. opossum is pinned to one exact version
 * in package.json; this file fails when an upgrade changes any of it.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOpossum, type OpossumBreaker, type WindowBucket } from '../src/breaker/breaker.js';

const require = createRequire(import.meta.url);
const made: OpossumBreaker[] = [];

function circuit(rotation = new EventEmitter(), volumeThreshold = 4) {
  const Opossum = loadOpossum();
  const c = new Opossum((fn) => fn(), {
    timeout: false,
    errorThresholdPercentage: 50,
    volumeThreshold,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    rotateBucketController: rotation,
    resetTimeout: 2 ** 31 - 1,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  made.push(c);
  return { c, rotation };
}

afterEach(() => {
  for (const c of made.splice(0)) c.shutdown();
});

describe('opossum contract', () => {
  it('is the exact version the adapter was written against', () => {
    const pkg = require('../package.json') as { dependencies: Record<string, string> };
    expect(pkg.dependencies.opossum).toBe('10.0.0');
    expect((require('opossum/package.json') as { version: string }).version).toBe('10.0.0');
  });

  it('status.window[0] is the live current bucket: counts written there feed the stats the trip decision reads', () => {
    const { c, rotation } = circuit();
    const bucket = c.status.window[0] as WindowBucket;
    bucket.fires++;
    bucket.successes++;
    expect(c.stats).toMatchObject({ fires: 1, successes: 1, failures: 0 });
    rotation.emit('rotate');
    expect(c.status.window[0]).not.toBe(bucket);
    expect(c.status.window[1]).toBe(bucket);
  });

  it('a failing fire() is counted and opens the circuit past the threshold and volume, emitting open', async () => {
    const { c } = circuit();
    let opened = 0;
    c.on('open', () => opened++);
    const bucket = c.status.window[0] as WindowBucket;
    bucket.fires++;
    bucket.successes++;
    for (let i = 0; i < 3; i++) await c.fire(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(c.stats).toMatchObject({ fires: 4, failures: 3 });
    expect(c.opened).toBe(true);
    expect(opened).toBe(1);
  });

  it('close() closes an open circuit', async () => {
    const { c } = circuit(new EventEmitter(), 1);
    await c.fire(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(c.opened).toBe(true);
    c.close();
    expect(c.opened).toBe(false);
  });

  it('rotateBucketController rotates the window: as many rotations as buckets empty it', () => {
    const { c, rotation } = circuit();
    (c.status.window[0] as WindowBucket).fires++;
    rotation.emit('rotate');
    expect(c.stats.fires).toBe(1);
    for (let i = 0; i < 9; i++) rotation.emit('rotate');
    expect(c.stats.fires).toBe(0);
  });

  it('with a rotateBucketController, opossum keeps no timer of its own that outlives shutdown', () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { c } = circuit();
    c.shutdown();
    made.pop();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });
});
