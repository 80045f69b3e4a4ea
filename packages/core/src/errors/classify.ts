/**
 * The one error classifier: the only module that reads ioredis, Redis and Node error messages and codes.
 * Everything else (retry, breaker, telemetry, doctor) decides from its result.
 */
import {
  type Classification,
  type ConnectionErrorType,
  ERROR_BRAND,
  type ErrorCategory,
  type ErrorType,
  UNAVAILABLE_CODES,
} from './types.js';

export type { Classification, ConnectionErrorType, ErrorCategory, ErrorType } from './types.js';

const NODE_CODES: Record<string, ConnectionErrorType> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
};

/** Reply prefixes Redis sends when it refuses to run a command for now. */
const TRANSIENT_REPLIES: ReadonlyArray<readonly [string, ErrorType]> = [
  ['LOADING', 'loading'],
  ['MASTERDOWN', 'masterdown'],
  ['CLUSTERDOWN', 'clusterdown'],
  ['TRYAGAIN', 'tryagain'],
  ['READONLY', 'readonly'],
];

const AUTH_REPLIES = ['NOAUTH', 'WRONGPASS', 'ERR invalid password', 'ERR AUTH', 'ERR Client sent AUTH'];

/**
 * What each error type means for the policies. `retry`: plausibly over by the next attempt. `breaker`: a failure of
 * Redis that counts against the circuit breaker. Write-only refusals (OOM, READONLY) and command errors prove that
 * the server answers and serves reads, so they never open the breaker.
 */
const TRAITS: Readonly<Record<ErrorType, { retry: boolean; breaker: boolean }>> = {
  refused: { retry: true, breaker: true },
  timeout: { retry: true, breaker: true },
  reset: { retry: true, breaker: true },
  dns: { retry: true, breaker: true },
  closed: { retry: true, breaker: true },
  max_retries: { retry: true, breaker: true },
  auth: { retry: false, breaker: true },
  tls: { retry: false, breaker: true },
  other: { retry: false, breaker: true },
  loading: { retry: true, breaker: true },
  masterdown: { retry: true, breaker: true },
  clusterdown: { retry: true, breaker: true },
  tryagain: { retry: true, breaker: true },
  readonly: { retry: true, breaker: false },
  busy: { retry: false, breaker: true },
  oom: { retry: false, breaker: false },
  circuit_open: { retry: false, breaker: true },
  queue_full: { retry: false, breaker: true },
  command_error: { retry: false, breaker: false },
};

const result = (
  category: ErrorCategory,
  type: ErrorType,
  provenNotExecuted = false,
  retryable = TRAITS[type]?.retry ?? false,
): Classification => ({
  category,
  type,
  provenNotExecuted,
  retryable,
  countsAsFailure: category !== 'command' && (TRAITS[type]?.breaker ?? true),
});

function field(e: object, name: string): unknown {
  return (e as Record<string, unknown>)[name];
}

export function classifyError(err: unknown): Classification {
  if (typeof err !== 'object' || err === null) return result('unknown', 'other');
  if (err instanceof FailedBatch) return err.classification;

  const own = (err as Record<symbol, unknown>)[ERROR_BRAND];
  if (typeof own === 'string' && UNAVAILABLE_CODES.has(own)) {
    const raw = field(err, 'errorType');
    const type = (typeof raw === 'string' && raw in TRAITS ? raw : 'other') as ErrorType;
    const sent = field(err, 'sent');
    // A closed client stays closed, and an error may say itself that another attempt cannot help.
    const retryable = own !== 'ERR_CLIENT_CLOSED' && field(err, 'retryable') !== false && TRAITS[type].retry;
    return result(
      'unavailable',
      type,
      own === 'ERR_CIRCUIT_OPEN' || own === 'ERR_OFFLINE_QUEUE_FULL' || sent === false,
      retryable,
    );
  }

  if (typeof own === 'string') return result('unknown', 'other');
  const name = String(field(err, 'name') ?? '');
  const message = String(field(err, 'message') ?? '');
  const code = field(err, 'code');

  if (typeof code === 'string') {
    // A unix socket path with no file behind it: nothing listens there, as with a refused port, but it is a setting
    // to fix (or a server that is not running), not something the next attempt will find changed.
    if (code === 'ENOENT') return result('connection', 'refused', true, false);
    const type = NODE_CODES[code];
    if (type) return result('connection', type, type === 'dns' || type === 'refused');
    if (/^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|^UNABLE_TO_(GET|VERIFY|DECRYPT)|_SIGNATURE/.test(code)) {
      return result('connection', 'tls', true);
    }
  }

  if (name === 'ReplyError' || name === 'ParserError') {
    for (const [prefix, type] of TRANSIENT_REPLIES) {
      if (message.startsWith(prefix)) return result('server_transient', type, true);
    }
    if (AUTH_REPLIES.some((p) => message.startsWith(p))) return result('connection', 'auth', true);
    if (message.startsWith('BUSY ')) return result('server_transient', 'busy', true);
    // maxmemory reached under noeviction: Redis refused the write; not worth a quick retry, but a reason to fall back.
    if (message.startsWith('OOM ')) return result('server_transient', 'oom', true);
    return result('command', 'command_error');
  }

  if (name === 'MaxRetriesPerRequestError') return result('connection', 'max_retries');
  if (message === 'Connection is closed.') return result('connection', 'closed');
  if (message.startsWith("Stream isn't writeable")) return result('connection', 'closed', true);
  if (message.startsWith('Command aborted due to connection close')) return result('connection', 'closed');
  if (message === 'Command timed out') return result('connection', 'timeout');
  if (message.includes('None of startup nodes is available')) return result('connection', 'refused', true);
  // No seed answered the slots query (unreachable, or not a cluster): another attempt within a call cannot help.
  if (name === 'ClusterAllFailedError') return result('connection', 'clusterdown', false, false);
  if (/\b(SSL|TLS)\b/i.test(message) || message.includes('certificate')) return result('connection', 'tls', true);
  if (message.includes('getaddrinfo') || message.includes('Name or service not known')) {
    return result('connection', 'dns', true);
  }
  return result('unknown', 'other');
}

/** Connection-level type for `connection_errors_total`; anything outside the fixed set collapses to `other`. */
export function connectionErrorType(c: Classification): ConnectionErrorType {
  switch (c.type) {
    case 'refused':
    case 'timeout':
    case 'reset':
    case 'dns':
    case 'closed':
    case 'auth':
    case 'tls':
      return c.type;
    case 'max_retries':
      return 'closed';
    default:
      return 'other';
  }
}

/** Redis does not have the script of an EVALSHA: load it with EVAL (ioredis's defineCommand does the same). */
export function isNoScriptError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  return field(err, 'name') === 'ReplyError' && String(field(err, 'message') ?? '').startsWith('NOSCRIPT');
}

/** Error types worth another attempt: the failure is plausibly over by the next try. */
export function isRetryableType(type: ErrorType): boolean {
  return TRAITS[type]?.retry ?? false;
}

/** Whether an error is a failure of Redis (counts against the breaker) rather than a fault in the command. */
export function isFailure(c: Classification): boolean {
  return c.countsAsFailure;
}

/** A pipeline or MULTI whose replies show that the operation as a whole failed (see `batchFailure`). */
export class FailedBatch extends Error {
  constructor(
    /** ioredis's `[error, result]` per entry, as received. */
    readonly results: ReadonlyArray<readonly [unknown, unknown]>,
    /** The first entry error that counts as a failure of Redis, and the whole batch's classification. */
    readonly failure: unknown,
    readonly classification: Classification,
  ) {
    super('batch failed');
  }
}

/**
 * The entries of a pipeline or MULTI reply that failed for a reason that counts against the breaker (connection
 * lost, LOADING …) make the whole operation a failure; command errors and write-only refusals stay per entry, as
 * ioredis reports them. The batch was provably never executed only when every entry says so.
 */
export function batchFailure(results: ReadonlyArray<readonly [unknown, unknown]> | null): FailedBatch | undefined {
  if (!results) return undefined;
  let first: { err: unknown; c: Classification } | undefined;
  let allNotExecuted = results.length > 0;
  for (const [err] of results) {
    if (err === null || err === undefined) {
      allNotExecuted = false;
      continue;
    }
    const c = classifyError(err);
    if (!c.provenNotExecuted) allNotExecuted = false;
    if (!first && c.countsAsFailure) first = { err, c };
  }
  if (!first) return undefined;
  return new FailedBatch(results, first.err, { ...first.c, provenNotExecuted: allNotExecuted });
}
