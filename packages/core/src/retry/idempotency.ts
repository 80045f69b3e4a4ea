/**
 * Whether a command may be sent twice. Read-only flags come from @ioredis/commands (no hand list of reads);
 * @ioredis/commands has no idempotency flag, so idempotent writes come from the configured list.
 */
import { exists, hasFlag } from '@ioredis/commands';

export type RetrySafety = 'safe' | 'unsafe';

const EXPIRE_FAMILY: ReadonlySet<string> = new Set(['expire', 'pexpire', 'expireat', 'pexpireat']);

export function commandRetrySafety(
  name: string,
  args: readonly unknown[],
  idempotentWrites: ReadonlySet<string>,
): RetrySafety {
  if (!exists(name)) return 'unsafe';
  if (hasFlag(name, 'readonly') && !hasFlag(name, 'write')) return 'safe';
  if (name === 'xadd') return xaddHasExplicitId(args) ? 'safe' : 'unsafe';
  if (name === 'set') return setIsIdempotent(args) ? 'safe' : 'unsafe';
  // EXPIRE … NX|XX|GT|LT depends on the current TTL, so a repeat can answer differently.
  if (EXPIRE_FAMILY.has(name) && args.length > 2) return 'unsafe';
  return idempotentWrites.has(name) ? 'safe' : 'unsafe';
}

/** XADD with an explicit id fails on a duplicate instead of appending twice; `*` appends every time. */
function xaddHasExplicitId(args: readonly unknown[]): boolean {
  // XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] <* | id> field value ...
  let i = 1;
  const upper = (v: unknown) => String(v).toUpperCase();
  if (upper(args[i]) === 'NOMKSTREAM') i++;
  if (upper(args[i]) === 'MAXLEN' || upper(args[i]) === 'MINID') {
    i++;
    if (args[i] === '=' || args[i] === '~') i++;
    i++;
    if (upper(args[i]) === 'LIMIT') i += 2;
  }
  const id = args[i];
  return id !== undefined && String(id) !== '*';
}

/** SET is idempotent unless it returns the old value (GET) or depends on it (NX/XX: a retry after a success reports "not set"). */
function setIsIdempotent(args: readonly unknown[]): boolean {
  for (let i = 2; i < args.length; i++) {
    const a = String(args[i]).toUpperCase();
    if (a === 'GET' || a === 'NX' || a === 'XX') return false;
  }
  return true;
}
