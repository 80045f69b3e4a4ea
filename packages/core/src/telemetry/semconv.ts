/**
 * OpenTelemetry database semantic conventions (stable, v1.33+) as used for Redis spans and metrics, plus the two
 * derived values: the redacted query text and the Redis response status code. The names come from
 * @opentelemetry/semantic-conventions, bundled at build time (tsup.config.ts) so that the 10 MB package is not a
 * run-time dependency: only the constants used here end up in dist.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { DB_SYSTEM_NAME_VALUE_REDIS } from '@opentelemetry/semantic-conventions/incubating';
import type { ErrorType } from '../errors/classify.js';
import type { Endpoint } from '../instrumentation.js';
import { type OperationInfo, operationInfo } from './operations.js';

export {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';
export {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_CLIENT_CONNECTION_STATE,
} from '@opentelemetry/semantic-conventions/incubating';
export { ATTR_DB_NAMESPACE, ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT };

/** Not semconv: which physical attempt a retroactive attempt span stands for (1-based). */
export const ATTR_ATTEMPT = 'redis_resilience.attempt';

export const DB_SYSTEM_REDIS = DB_SYSTEM_NAME_VALUE_REDIS;

/** Attributes every Redis span of this endpoint carries; built once per instance. */
export function endpointAttributes(endpoint: Endpoint): Attributes {
  const attrs: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_REDIS,
    [ATTR_DB_NAMESPACE]: String(endpoint.db),
    [ATTR_SERVER_ADDRESS]: endpoint.address,
  };
  if (endpoint.port !== undefined) attrs[ATTR_SERVER_PORT] = endpoint.port;
  return attrs;
}

/**
 * The Redis reply prefix an error type stands for, when the type pins it down. Command errors (WRONGTYPE, ERR,
 * NOSCRIPT …) all classify as `command_error`, so their prefix is not known here; see the classifier.
 */
const REPLY_CODES: Partial<Record<ErrorType, string>> = {
  loading: 'LOADING',
  masterdown: 'MASTERDOWN',
  clusterdown: 'CLUSTERDOWN',
  tryagain: 'TRYAGAIN',
  readonly: 'READONLY',
  busy: 'BUSY',
};

export function responseStatusCode(type: ErrorType): string | undefined {
  return REPLY_CODES[type];
}

/** More placeholders than this add nothing to a trace and cost attribute space (MSET with 10,000 pairs). */
const MAX_PLACEHOLDERS = 64;

function placeholders(name: string, count: number): string {
  if (count <= 0) return name;
  const shown = Math.min(count, MAX_PLACEHOLDERS);
  const text = `${name}${' ?'.repeat(shown)}`;
  return count > shown ? `${text} …` : text;
}

/** ioredis flattens array arguments (`mget(['a', 'b'])`), so each element is one placeholder. */
function argumentCount(args: readonly unknown[]): number {
  let n = 0;
  for (const a of args) n += Array.isArray(a) ? a.length : 1;
  return n;
}

/**
 * `SET ? ?`: the command with every argument replaced by `?`, so no key or value is ever recorded. A pipeline or
 * transaction whose args are `[name, ...args]` entries renders as `SET ? ?; GET ?`; unknown names render as `OTHER`.
 */
export function redactedQueryText(op: OperationInfo, args: readonly unknown[]): string {
  if (op.label === 'pipeline' || op.label === 'multi') {
    const batch = args.filter((c): c is readonly unknown[] => Array.isArray(c) && typeof c[0] === 'string');
    if (batch.length === 0) return op.spanName;
    const shown = batch.slice(0, MAX_PLACEHOLDERS).map((c) => {
      const inner = operationInfo(c[0] as string);
      return placeholders(inner.redis ? inner.spanName : 'OTHER', argumentCount(c) - 1);
    });
    return batch.length > shown.length ? `${shown.join('; ')}; …` : shown.join('; ');
  }
  return placeholders(op.spanName, argumentCount(args));
}
