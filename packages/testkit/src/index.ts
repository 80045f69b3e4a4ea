export {
  CLUSTER_SLOTS,
  type ClusterAddress,
  clusterKeySlot,
  crc16,
  type RedisCluster,
  type StartClusterOptions,
  startCluster,
} from './cluster.js';
export { type FaultMode, type FaultModeOptions, type FaultProxy, startFaultProxy } from './fault-proxy.js';
export {
  type NodeProcessOptions,
  type RunNodeOptions,
  type RunNodeResult,
  runNode,
  spawnNode,
} from './node-process.js';
export { decodeAnyValue, decodeAttributes, flattenTraceRequest } from './otlp-decode.js';
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';
export { type ConnectOutcome, freePort, isPortClosed, tryConnect } from './ports.js';
export {
  deadProcesses,
  type RedisProcess,
  type StartRedisOptions,
  startRedis,
  stopAllRedis,
} from './redis-server.js';
export {
  encodeCommand,
  ping,
  type RawExchangeOptions,
  type RawExchangeResult,
  rawExchange,
  serverPid,
} from './resp.js';
export {
  type SentinelAddress,
  type SentinelProcess,
  type SentinelSetup,
  type SentinelSetupOptions,
  startSentinelSetup,
} from './sentinel.js';
export { percentile } from './timing.js';
export { StopWaiting, type Truthy, type WaitForOptions, waitFor } from './wait.js';
