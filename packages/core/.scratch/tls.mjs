import { Redis } from 'ioredis';

const r = new Redis('rediss://127.0.0.1:16390', {
  connectTimeout: 1000,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => 5000,
});
const t0 = performance.now();
r.on('connecting', () => {
  queueMicrotask(() => console.log('micro stream', !!r.stream));
  setImmediate(() => {
    const s = r.stream;
    console.log('immediate stream', !!s, s?.connecting, s?._handle ? 'handle' : 'nohandle');
    setTimeout(
      () => console.log('100ms connecting=', s.connecting, 'secure', s.encrypted, s.authorized, s._secureEstablished),
      100,
    );
    s?.once?.('connect', () => console.log((performance.now() - t0).toFixed(0), 'tcp connect event'));
  });
});
r.on('error', (e) => {
  console.log((performance.now() - t0).toFixed(0), 'error', e.code, e.message);
});
setTimeout(() => {
  r.disconnect();
}, 2500);
r.get('x').catch(() => {});
