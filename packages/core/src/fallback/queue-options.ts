/** The queue's options: defaults, and the checks `init` runs on them (naming the bad field). */
import { InvalidOptionsError } from '../errors/errors.js';
import type { StreamQueueOptions } from './types.js';
import { checkKeys, optionalString, positiveInt } from './validate.js';

export const QUEUE_DEFAULTS = Object.freeze({
  spoolPath: './.redis-resilience/spool.db',
  durability: 'process' as 'process' | 'machine',
  maxSpooled: 100_000,
  maxReplayAttempts: 5,
  deadLetterSuffix: ':dead',
  replayIntervalMs: 1000,
  dedupTtlSeconds: 86_400,
});

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new InvalidOptionsError(field, [`${field}: must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`]);
}

/** Defaults merged and every field checked; called by createFallbacks at init, so a bad option fails there. */
export function resolveQueueOptions(opts: StreamQueueOptions = {}): Required<StreamQueueOptions> {
  checkKeys('fallbacks.queue', opts, Object.keys(QUEUE_DEFAULTS));
  const q = 'fallbacks.queue';
  const cfg = {
    spoolPath: optionalString(`${q}.spoolPath`, opts.spoolPath, QUEUE_DEFAULTS.spoolPath),
    durability: oneOf(`${q}.durability`, opts.durability ?? QUEUE_DEFAULTS.durability, ['process', 'machine'] as const),
    maxSpooled: positiveInt(`${q}.maxSpooled`, opts.maxSpooled ?? QUEUE_DEFAULTS.maxSpooled),
    maxReplayAttempts: positiveInt(
      `${q}.maxReplayAttempts`,
      opts.maxReplayAttempts ?? QUEUE_DEFAULTS.maxReplayAttempts,
    ),
    deadLetterSuffix: optionalString(`${q}.deadLetterSuffix`, opts.deadLetterSuffix, QUEUE_DEFAULTS.deadLetterSuffix),
    replayIntervalMs: positiveInt(`${q}.replayIntervalMs`, opts.replayIntervalMs ?? QUEUE_DEFAULTS.replayIntervalMs),
    dedupTtlSeconds: positiveInt(`${q}.dedupTtlSeconds`, opts.dedupTtlSeconds ?? QUEUE_DEFAULTS.dedupTtlSeconds),
  };
  if (cfg.spoolPath === '') {
    throw new InvalidOptionsError(`${q}.spoolPath`, [`${q}.spoolPath: must be a file path`]);
  }
  if (cfg.deadLetterSuffix === '') {
    throw new InvalidOptionsError(`${q}.deadLetterSuffix`, [
      `${q}.deadLetterSuffix: must be non-empty, or dead letters would go back to their own stream`,
    ]);
  }
  return cfg;
}
