/**
 * The service's entry point: configuration from the environment, listen, and a graceful shutdown on SIGTERM or
 * SIGINT (stop accepting, finish in-flight requests, flush telemetry and the spool handle).
 */
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

const SHUTDOWN_GRACE_MS = 10_000;

const service = createApp();
const { host, port, mode } = service.config;
const { settings } = service.backend;
const server = service.app.listen(port, host, () => {
  const actual = (server.address() as AddressInfo).port;
  // One JSON line: the demo reads it to learn the port when PORT=0.
  console.log(JSON.stringify({ event: 'listening', mode, settings, host, port: actual, pid: process.pid }));
});
// Idle keep-alive connections outlive a load balancer's (60 s is common): the proxy, not the service, closes them,
// so a request is never sent on a connection the service is just closing.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.on('error', (err) => {
  console.error(`example-service: cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ event: 'stopping', signal }));
  // Requests still hanging on Redis (the naive mode) must not hold the exit forever.
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  server.close(() => {
    service.close().finally(() => process.exit(0));
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
