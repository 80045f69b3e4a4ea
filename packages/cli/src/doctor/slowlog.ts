/** SLOWLOG GET: the slowest recent commands, by name and duration only. Argument values are never read. */
import { parseSlowlogEntry, type SlowlogEntry, slowlogClient } from '../core.js';
import { DOCTOR_CLIENT_NAME, formatMs } from './context.js';
import type { CheckResult } from './types.js';

/** Entries fetched: Redis's default slowlog-max-len, so the whole default log. */
export const SLOWLOG_FETCH = 128;
export const SLOWLOG_SHOWN = 5;
/** A command this slow blocks every other client of the server for as long. */
export const SLOW_COMMAND_WARN_MS = 100;

/**
 * Entries not sent by the doctor itself, slowest first. Its connection is known by name once named, and
 * by its address before that (AUTH has to come first).
 */
export function slowestEntries(reply: unknown, ownAddresses: readonly string[] = []): SlowlogEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: SlowlogEntry[] = [];
  for (const raw of reply) {
    const client = slowlogClient(raw);
    if (client.name === DOCTOR_CLIENT_NAME || (client.address && ownAddresses.includes(client.address))) continue;
    const entry = parseSlowlogEntry(raw);
    if (entry) entries.push(entry);
  }
  return entries.sort((a, b) => b.durationMicros - a.durationMicros);
}

const plural = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/** SLOWLOG speaks microseconds: `35 µs`, `10.1 ms`. */
export function formatMicros(us: number): string {
  return us < 1000 ? `${us} µs` : formatMs(us / 1000);
}

export function slowlogCheck(entries: readonly SlowlogEntry[], commandMs: number | undefined): CheckResult {
  const id = 'slowlog';
  if (entries.length === 0) return { id, status: 'pass', value: 'empty', data: { count: 0, entries: [] } };
  const top = entries.slice(0, SLOWLOG_SHOWN);
  const value = top.map((e) => `${e.command} ${formatMicros(e.durationMicros)}`).join(', ');
  const data = {
    count: entries.length,
    entries: top.map((e) => ({ command: e.command, durationMicros: e.durationMicros, timestamp: e.timestamp })),
  };
  const slowestMs = top[0]!.durationMicros / 1000;
  const limit = Math.min(SLOW_COMMAND_WARN_MS, commandMs ?? Number.POSITIVE_INFINITY);
  if (slowestMs >= limit) {
    return {
      id,
      status: 'warn',
      value,
      detail: `${plural(entries.length)}; the slowest blocked the server for ${formatMs(slowestMs)}${commandMs !== undefined && slowestMs >= commandMs ? `, longer than the command timeout (${commandMs} ms)` : ''}`,
      fix: 'replace blocking commands (KEYS, big SMEMBERS/HGETALL, long Lua) with SCAN-style or bounded ones',
      data,
    };
  }
  return { id, status: 'pass', value, detail: `${plural(entries.length)}, slowest first`, data };
}
