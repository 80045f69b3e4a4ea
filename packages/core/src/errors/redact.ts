/**
 * Causes that are safe to hand out. ioredis and Node errors carry what must never reach a log: `command.args`
 * (AUTH carries the password), `input` (a URL with credentials), `options`, and Redis replies that quote arguments.
 * Every cause we wrap is rebuilt from a short list of known-safe fields; anything else on the original is dropped.
 */
import { ERROR_BRAND } from './types.js';

/** Scalar fields of Node system errors and ioredis errors that hold no secret. */
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'address', 'port'] as const;
/** Nested errors that ioredis and Node attach (ClusterAllFailedError, AggregateError). */
const NESTED = ['lastNodeError'] as const;
const MAX_DEPTH = 8;
/** Copies made here: already safe, handed out as they are (an open breaker's cause goes into every rejection). */
const SAFE_COPIES = new WeakSet<object>();

/** Redis quotes arguments in some replies: "unknown command 'x', with args beginning with: 'key' 'value'". */
function redactReply(message: string): string {
  return message.replace(/'[^'\n]*'/g, "'?'");
}

export function safeCause(err: unknown, depth = 0): unknown {
  if (typeof err !== 'object' || err === null) return typeof err === 'string' ? '[redacted]' : err;
  // Ours are built without secrets (messages name the operation, never a key, value or password).
  if ((err as Record<symbol, unknown>)[ERROR_BRAND] !== undefined || SAFE_COPIES.has(err)) return err;
  if (depth >= MAX_DEPTH) return undefined;
  const src = err as Record<string, unknown>;
  const name = typeof src.name === 'string' ? src.name : 'Error';
  const raw = typeof src.message === 'string' ? src.message : '';
  const message = name === 'ReplyError' ? redactReply(raw) : raw;
  const copy = new Error(message) as Error & Record<string, unknown>;
  copy.name = name;
  for (const k of SAFE_FIELDS) {
    const v = src[k];
    if (typeof v === 'string' || typeof v === 'number') copy[k] = v;
  }
  const command = src.command as { name?: unknown } | undefined;
  if (command && typeof command.name === 'string') copy.command = { name: command.name };
  if (typeof src.stack === 'string') {
    // Keep where it came from; the first line repeats the message, so rebuild it from the safe one.
    const frames = src.stack.split('\n').filter((l) => /^\s+at /.test(l));
    copy.stack = [`${name}: ${message}`, ...frames].join('\n');
  }
  if (src.cause !== undefined) {
    Object.defineProperty(copy, 'cause', {
      value: safeCause(src.cause, depth + 1),
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  for (const k of NESTED) if (src[k] !== undefined) copy[k] = safeCause(src[k], depth + 1);
  if (Array.isArray(src.errors)) copy.errors = src.errors.map((e) => safeCause(e, depth + 1));
  SAFE_COPIES.add(copy);
  return copy;
}

/** The ioredis command name an error was raised for (never its arguments), when it says. */
export function commandNameOf(err: unknown): string | undefined {
  const command =
    typeof err === 'object' && err !== null ? (err as { command?: { name?: unknown } }).command : undefined;
  return typeof command?.name === 'string' ? command.name : undefined;
}
