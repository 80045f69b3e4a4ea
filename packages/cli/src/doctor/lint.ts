/**
 * Lint of the client options in --config (the object `init()` takes). Only what the file says is judged:
 * unset values get a warning, because the default that then applies is nobody's decision.
 */
import type { LoadedConfig } from '../config-file.js';
import type { CheckResult } from './types.js';

const SLOW_CONNECT_MS = 10_000;
const SLOW_COMMAND_MS = 5_000;
/** ioredis's own default, which multiplies every retry layer above it. */
const IOREDIS_DEFAULT_MAX_RETRIES = 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function section(config: LoadedConfig, name: string): Record<string, unknown> {
  const s = config.options[name];
  return isObject(s) ? s : {};
}

function ioredisOptions(config: LoadedConfig): Record<string, unknown> {
  return config.redis.kind === 'options' || config.redis.kind === 'instance' ? config.redis.options : {};
}

export function connectTimeoutMs(config: LoadedConfig): number | undefined {
  return num(section(config, 'timeouts').connectMs) ?? num(ioredisOptions(config).connectTimeout);
}

export function commandTimeoutMs(config: LoadedConfig): number | undefined {
  return num(section(config, 'timeouts').commandMs) ?? num(ioredisOptions(config).commandTimeout);
}

export function lintOptions(config: LoadedConfig): CheckResult[] {
  return [lintConnectTimeout(config), lintCommandTimeout(config), lintOfflineQueue(config), lintMaxRetries(config)];
}

function lintConnectTimeout(config: LoadedConfig): CheckResult {
  const id = 'options.connect-timeout';
  const ms = connectTimeoutMs(config);
  if (ms === undefined || ms <= 0) {
    return {
      id,
      status: 'warn',
      value: 'unset',
      detail: 'timeouts.connectMs is not set: how long a dead host holds a new connection is left to a default',
      fix: 'set timeouts.connectMs (e.g. 2000) to what your request budget allows',
    };
  }
  if (ms > SLOW_CONNECT_MS) {
    return {
      id,
      status: 'warn',
      value: `${ms} ms`,
      detail: 'requests wait this long on every attempt to reach a host that is down',
      fix: 'lower timeouts.connectMs to a few seconds at most',
    };
  }
  return { id, status: 'pass', value: `${ms} ms` };
}

function lintCommandTimeout(config: LoadedConfig): CheckResult {
  const id = 'options.command-timeout';
  const ms = commandTimeoutMs(config);
  if (ms === undefined || ms <= 0) {
    return {
      id,
      status: 'warn',
      value: 'unset',
      detail:
        'timeouts.commandMs is not set: plain ioredis has no command timeout (a GET waited 73.6 s for a dead server)',
      fix: 'set timeouts.commandMs (e.g. 1000) below your request timeout',
    };
  }
  if (ms > SLOW_COMMAND_MS) {
    return {
      id,
      status: 'warn',
      value: `${ms} ms`,
      detail: 'each attempt may hold the caller this long when Redis stops answering',
      fix: 'lower timeouts.commandMs below your request timeout (Redis answers in well under a millisecond)',
    };
  }
  return { id, status: 'pass', value: `${ms} ms` };
}

function lintOfflineQueue(config: LoadedConfig): CheckResult {
  const id = 'options.offline-queue';
  const redis = ioredisOptions(config);
  const queue = section(config, 'queue');
  const max = queue.maxOffline;
  if (redis.enableOfflineQueue === false) {
    return { id, status: 'pass', value: 'disabled', detail: 'commands fail at once while disconnected' };
  }
  if (max === Number.POSITIVE_INFINITY || (max !== undefined && num(max) === undefined)) {
    return {
      id,
      status: 'warn',
      value: 'unbounded',
      detail: 'queue.maxOffline is not a finite number: every request piles up while Redis is down',
      fix: 'set queue.maxOffline (e.g. 1000) and queue.maxWaitMs (e.g. 1000)',
    };
  }
  if (num(max) !== undefined) {
    const wait = num(queue.maxWaitMs);
    return {
      id,
      status: 'pass',
      value: `${max} commands${wait === undefined ? '' : `, ${wait} ms`}`,
      detail: 'bounded offline queue',
    };
  }
  if (redis.enableOfflineQueue === true || config.redis.kind === 'instance') {
    return {
      id,
      status: 'warn',
      value: 'unbounded',
      detail:
        'enableOfflineQueue is true and queue.maxOffline is not set: requests pile up without limit while Redis is down',
      fix: 'set queue.maxOffline (e.g. 1000) and queue.maxWaitMs, or enableOfflineQueue: false',
    };
  }
  return {
    id,
    status: 'warn',
    value: 'unset',
    detail: 'queue.maxOffline is not set: how many requests may wait for a connection is left to a default',
    fix: 'set queue.maxOffline (e.g. 1000) and queue.maxWaitMs (e.g. 1000)',
  };
}

function lintMaxRetries(config: LoadedConfig): CheckResult {
  const id = 'options.max-retries';
  const redis = ioredisOptions(config);
  if (config.redis.kind === 'none' || config.redis.kind === 'url') {
    return { id, status: 'pass', value: 'managed', detail: 'init() creates the ioredis client and sets its retries' };
  }
  const has = 'maxRetriesPerRequest' in redis;
  const value = redis.maxRetriesPerRequest;
  if (value === null || value === IOREDIS_DEFAULT_MAX_RETRIES || (!has && config.redis.kind === 'instance')) {
    const shown = value === null ? 'null' : String(value ?? IOREDIS_DEFAULT_MAX_RETRIES);
    return {
      id,
      status: 'warn',
      value: shown,
      detail:
        value === null
          ? 'ioredis retries each command forever while disconnected'
          : `ioredis retries each command ${IOREDIS_DEFAULT_MAX_RETRIES} times (its default) under the retry policy, multiplying every wait`,
      fix: 'set maxRetriesPerRequest to 1 (or 0) and let the retry policy decide',
    };
  }
  return {
    id,
    status: 'pass',
    value: has ? String(value) : 'unset',
    detail: has ? undefined : 'init() applies its own low value',
  };
}
