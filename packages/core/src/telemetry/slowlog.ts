/**
 * Optional SLOWLOG poller: reports each new slow-log entry once, as a bounded command name and a duration.
 * Argument values (keys, payloads, passwords) are never read past the command name.
 */
import { exists } from '@ioredis/commands';

export interface SlowlogEntry {
  /** Server-assigned, increasing id (reset only by a server restart). */
  id: number;
  /** Lower-case command name, or `other` when it is not a known Redis command. */
  command: string;
  durationMicros: number;
  /** Unix time in seconds, as Redis reports it. */
  timestamp: number;
}

/** The one call the poller needs; an ioredis client or the guarded `rr.client` both fit. */
export interface SlowlogRedis {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

export interface SlowlogPollerOptions {
  redis: SlowlogRedis;
  /** Pause between the end of one poll and the start of the next. */
  intervalMs: number;
  onEntry: (entry: SlowlogEntry) => void;
  /** Called with poll failures and with errors thrown by `onEntry`; never rethrown. */
  onError?: (err: unknown) => void;
  /** Entries fetched per poll (`SLOWLOG GET n`). @default 128 (Redis's default slowlog-max-len) */
  maxEntries?: number;
  /**
   * Report the entries already in the log at start. Off by default: every restart of the app would
   * otherwise count the same old entries again.
   * @default false
   */
  includeExisting?: boolean;
}

export interface SlowlogPoller {
  stop(): void;
}

/** Command names outside the known set collapse to this, so a metric label stays bounded. */
export const OTHER_COMMAND = 'other';

/** Lower-case, bounded command name of one raw `SLOWLOG GET` entry's argv. */
export function slowlogCommandName(argv: unknown): string {
  if (!Array.isArray(argv)) return OTHER_COMMAND;
  const first: unknown = argv[0];
  const name = typeof first === 'string' ? first : Buffer.isBuffer(first) ? first.toString('latin1') : undefined;
  if (name === undefined) return OTHER_COMMAND;
  const lower = name.toLowerCase();
  return exists(lower) ? lower : OTHER_COMMAND;
}

/** Parses one raw entry `[id, timestamp, durationMicros, argv, clientAddr?, clientName?]`; undefined when malformed. */
export function parseSlowlogEntry(raw: unknown): SlowlogEntry | undefined {
  if (!Array.isArray(raw) || raw.length < 4) return undefined;
  const id = Number(raw[0]);
  const timestamp = Number(raw[1]);
  const durationMicros = Number(raw[2]);
  if (!Number.isFinite(id) || !Number.isFinite(timestamp) || !Number.isFinite(durationMicros)) return undefined;
  return { id, timestamp, durationMicros, command: slowlogCommandName(raw[3]) };
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;

/** Client address and name of a raw entry (5th and 6th fields, Redis >= 4.0), e.g. to leave out one's own commands. */
export function slowlogClient(raw: unknown): { address?: string; name?: string } {
  if (!Array.isArray(raw)) return {};
  return { address: text(raw[4]), name: text(raw[5]) };
}

export function startSlowlogPoller(opts: SlowlogPollerOptions): SlowlogPoller {
  const maxEntries = opts.maxEntries ?? 128;
  // -1: nothing seen yet. undefined: first poll pending, which only records a baseline unless includeExisting.
  let lastId: number | undefined = opts.includeExisting ? -1 : undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const report = (err: unknown): void => {
    try {
      opts.onError?.(err);
    } catch {
      // Telemetry must never break the app, not even through its own error hook.
    }
  };

  const handle = (reply: unknown): void => {
    if (!Array.isArray(reply)) return;
    const entries: SlowlogEntry[] = [];
    for (const raw of reply) {
      const entry = parseSlowlogEntry(raw);
      if (entry) entries.push(entry);
    }
    const newest = entries.reduce((max, e) => Math.max(max, e.id), -1);
    if (lastId === undefined) {
      lastId = newest;
      return;
    }
    // Ids only go back after a server restart: everything in the log is then newer than what we saw.
    if (newest < lastId) lastId = -1;
    const since = lastId;
    const fresh = entries.filter((e) => e.id > since).sort((a, b) => a.id - b.id);
    lastId = Math.max(lastId, newest);
    for (const entry of fresh) {
      if (stopped) return;
      try {
        opts.onEntry(entry);
      } catch (err) {
        report(err);
      }
    }
  };

  const poll = async (): Promise<void> => {
    try {
      const reply = await opts.redis.call('SLOWLOG', 'GET', maxEntries);
      if (!stopped) handle(reply);
    } catch (err) {
      if (!stopped) report(err);
    }
    // The next poll is scheduled only after this one settled, so polls never overlap.
    if (!stopped) {
      timer = setTimeout(() => void poll(), opts.intervalMs);
      timer.unref();
    }
  };

  void poll();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
