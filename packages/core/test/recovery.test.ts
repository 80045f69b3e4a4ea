/**
 * Issue #14: recover as fast as Redis does. The breaker closes within a second of Redis accepting connections again
 * (the reconnect triggers the probe), a flapping Redis serves most calls while it is up without a probe storm, and
 * a Redis that stays down is probed on a backed-off schedule. Real redis-server, killed and restarted.
 */
import { fileURLToPath } from 'node:url';
import { runNode, startRedis, stopAllRedis, tryConnect, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init, type RedisResilience } from '../src/index.js';
import { sample } from './telemetry/harness.js';

afterAll(stopAllRedis);

/** Steady traffic: `perTick` GETs every 10 ms, each remembered with when it was issued and how it ended. */
function traffic(rr: RedisResilience, perTick: number) {
  const calls: { at: number; ok: boolean }[] = [];
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      const at = performance.now();
      rr.client.get('k').then(
        () => calls.push({ at, ok: true }),
        () => calls.push({ at, ok: false }),
      );
    }
  }, 10);
  return { calls, stop: () => clearInterval(timer) };
}

/** Restart and note when the port accepts again (polling it while redis-server starts). */
async function restartAndNoteAccept(server: Awaited<ReturnType<typeof startRedis>>): Promise<number> {
  let acceptedAt = Number.POSITIVE_INFINITY;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      if ((await tryConnect(server.port, '127.0.0.1', 200)).ok) {
        acceptedAt = Math.min(acceptedAt, performance.now());
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await server.restart();
  await poll;
  polling = false;
  return acceptedAt;
}

describe('recovery', () => {
  it('killed, then restarted: the breaker closes within 1 s of Redis accepting connections', async () => {
    const server = await startRedis();
    const rr = init({ redis: server.url, serviceName: 'recovery', tracing: false });
    const load = traffic(rr, 1);
    try {
      await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
      let closedAt = 0;
      rr.events.on('breakerStateChange', (e) => {
        if (e.to === 'closed') closedAt = performance.now();
      });
      await server.kill();
      await waitFor(async () => (await rr.health()).breaker.state === 'open', { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 3000)); // long enough for the reconnect delay to reach its cap
      const acceptedAt = await restartAndNoteAccept(server);
      await waitFor(() => closedAt > 0, { timeoutMs: 10_000, message: 'the breaker to close' });
      const recoveryMs = closedAt - acceptedAt;
      console.log(`breaker closed ${Math.round(recoveryMs)} ms after Redis accepted connections again`);
      expect(recoveryMs).toBeLessThanOrEqual(1000);
      const text = await rr.metrics();
      expect(
        sample(
          text,
          'redis_resilience_circuit_breaker_probes_total{client="recovery",node="default",trigger="reconnect",result="success"}',
        ),
      ).toBe(1);
      expect(
        sample(text, 'redis_resilience_circuit_breaker_open_duration_seconds_count{client="recovery",node="default"}'),
      ).toBe(1);
    } finally {
      load.stop();
      await rr.close();
    }
  });

  it('flapping (down 2 s, up 2 s, for 20 s at ~300 req/s): most calls issued while Redis is up succeed, probes stay rare', async () => {
    const server = await startRedis();
    const rr = init({ redis: server.url, serviceName: 'flap', tracing: false });
    await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
    const load = traffic(rr, 3);
    const up: [number, number][] = [];
    const started = performance.now();
    try {
      let upSince = performance.now();
      for (let cycle = 0; cycle < 5; cycle++) {
        await new Promise((r) => setTimeout(r, 2000));
        up.push([upSince, performance.now()]);
        await server.kill();
        await new Promise((r) => setTimeout(r, 2000));
        await server.restart();
        upSince = performance.now();
      }
      await new Promise((r) => setTimeout(r, 2000));
      up.push([upSince, performance.now()]);
    } finally {
      load.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3500)); // let the last calls settle (deadline 3 s)
    const whileUp = load.calls.filter((c) => up.some(([a, b]) => c.at >= a && c.at < b));
    const ok = whileUp.filter((c) => c.ok).length / whileUp.length;
    const text = await rr.metrics();
    let probes = 0;
    for (const trigger of ['timer', 'reconnect'])
      for (const result of ['success', 'failure'])
        probes +=
          sample(
            text,
            `redis_resilience_circuit_breaker_probes_total{client="flap",node="default",trigger="${trigger}",result="${result}"}`,
          ) ?? 0;
    console.log(
      `flapping: ${whileUp.length} calls while up, ${(ok * 100).toFixed(1)} % succeeded; ${probes} probes in ${seconds.toFixed(1)} s`,
    );
    await rr.close();
    expect(whileUp.length).toBeGreaterThan(2000);
    expect(ok).toBeGreaterThanOrEqual(0.5);
    expect(probes / seconds).toBeLessThanOrEqual(1.5);
  });

  it('a Redis down for 60 s: reconnects and probes follow the documented schedule, and memory stays flat', {
    timeout: 150_000,
  }, async () => {
    const fixture = fileURLToPath(new URL('./fixtures/long-outage.mjs', import.meta.url));
    const server = await startRedis();
    const r = await runNode(fixture, {
      args: [server.url, String(server.port)],
      env: { NODE_OPTIONS: '--expose-gc' },
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
      seconds: number;
      attempts: number;
      probes: number;
      rssGrowthMb: number;
      calls: number;
    };
    console.log(`60 s outage: ${JSON.stringify(out)}`);
    // Reconnects: jittered delays capped at 0.5 s, i.e. between 2 and 4 attempts a second once capped.
    expect(out.attempts / out.seconds).toBeGreaterThanOrEqual(1.5);
    expect(out.attempts / out.seconds).toBeLessThanOrEqual(4.5);
    // Probes: after 5 s, then doubling with equal jitter up to 30 s: 5 s, 7.5-10 s, 15-20 s, 15-30 s …: 3 to 6 in 60 s.
    expect(out.probes).toBeGreaterThanOrEqual(3);
    expect(out.probes).toBeLessThanOrEqual(6);
    expect(out.calls).toBeGreaterThan(3000);
    expect(out.rssGrowthMb).toBeLessThan(15);
  });
});
