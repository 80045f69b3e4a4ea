import { Redis } from 'ioredis';
import { init } from '../dist/index.js';

const cases = {
  wrongPassword: { redis: 'redis://:wrong@127.0.0.1:16390' },
  tlsToPlain: { redis: 'rediss://127.0.0.1:16390' },
  missingSocket: { redis: { path: '/tmp/nope.sock' } },
  clusterUnreachable: { redis: { cluster: [{ host: '127.0.0.1', port: 1 }] } },
  clusterNotCluster: {
    redis: { cluster: [{ host: '127.0.0.1', port: 16390 }], options: { redisOptions: { password: 'secretpw' } } },
  },
  closedInstance: () => {
    const r = new Redis({ port: 16390, password: 'secretpw' });
    r.disconnect();
    return { redis: r };
  },
};
for (const [name, c] of Object.entries(cases)) {
  const opts = typeof c === 'function' ? c() : c;
  const rr = init({ ...opts, tracing: false, metrics: false });
  await new Promise((r) => setTimeout(r, 1500));
  const times = [];
  let last;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    try {
      await rr.client.get('k');
    } catch (e) {
      last = e;
    }
    times.push(Math.round(performance.now() - t));
  }
  const h = await rr.health();
  console.log(name, times, last?.code, last?.errorType, JSON.stringify(h.connection), h.breaker.state);
  await rr.close();
}
process.exit(0);
