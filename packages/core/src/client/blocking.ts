/** How long a blocking command may legitimately wait on the server, so the reply timeout does not cut it. */
import { exists, hasFlag } from '@ioredis/commands';

/**
 * ms the server may block: a number, 0 for "forever" (no reply timeout then), or undefined for a command
 * that does not block. Timeouts are seconds for the B* list/zset commands and milliseconds for XREAD BLOCK / WAIT.
 */
export function blockingTimeoutMs(name: string, args: readonly unknown[]): number | undefined {
  if (!exists(name) || !hasFlag(name, 'blocking')) return undefined;
  switch (name) {
    case 'xread':
    case 'xreadgroup': {
      // Options come before STREAMS; after it, a stream may well be named "block".
      for (let i = 0; i < args.length; i++) {
        const a = String(args[i]).toUpperCase();
        if (a === 'STREAMS') return undefined;
        if (a === 'BLOCK') return toMs(args[i + 1], 1);
      }
      return undefined;
    }
    case 'wait':
      return toMs(args[1], 1);
    case 'waitaof':
      return toMs(args[2], 1);
    case 'blmpop':
    case 'bzmpop':
      return toMs(args[0], 1000);
    default:
      return toMs(args[args.length - 1], 1000);
  }
}

function toMs(v: unknown, unit: number): number | undefined {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n * unit) : undefined;
}
