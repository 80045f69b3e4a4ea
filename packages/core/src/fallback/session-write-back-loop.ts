/**
 * The write-back loop: pending session writes sent to Redis oldest first, in batches, every `writeBackIntervalMs`
 * while anything is pending and as soon as a session call succeeds again. Each entry leaves memory only once Redis
 * acknowledged it; a round stops at the first batch that left entries pending (Redis is struggling).
 */
import type { ErrorType } from '../errors/classify.js';
import type { FallbackDeps } from './deps.js';
import type { PendingEntry, SessionMemory } from './session-memory.js';
import type { ResolvedSessionOptions } from './session-options.js';
import { sendWriteBack, verdict, type WriteBackCommand } from './session-write-back.js';

/** Pending sessions sent per write-back round trip. */
const WRITE_BACK_BATCH = 100;

export class WriteBackLoop {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<number> | undefined;
  /** The batch in flight: a newer write of one of its sessions waits for it, so that it lands last. */
  private inFlight: { sids: ReadonlySet<string>; done: Promise<unknown> } | undefined;
  /** After a round that left entries pending, the next waits for the timer rather than follow every call. */
  private retryAfter = 0;
  private stopped = false;

  constructor(
    private readonly deps: FallbackDeps,
    private readonly memory: SessionMemory,
    private readonly opts: ResolvedSessionOptions,
    /** false on Redis Cluster: a batch's keys span many slots, so each entry goes as its own command. */
    private readonly pipelined: boolean,
  ) {}

  /** The round in progress, if any (it never rejects). */
  get current(): Promise<number> | undefined {
    return this.writing;
  }

  /** Write pending sessions back now; resolves with how many Redis acknowledged. */
  flush(): Promise<number> {
    this.writing ??= this.round().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** A write was kept pending: make sure a round comes. */
  schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      if (!this.writing && !this.stopped) void this.flush();
    }, this.opts.writeBackIntervalMs);
    this.timer.unref(); // pending sessions must not keep a process alive that is otherwise done
  }

  /** A Redis call just succeeded: if writes are pending, this is the moment to send them. */
  redisAnswered(): void {
    if (this.memory.pendingCount > 0 && !this.writing && !this.stopped && Date.now() >= this.retryAfter) {
      void this.flush();
    }
  }

  /** Resolves once the batch in flight is over, if it carries `sid`. */
  async inFlightWith(sid: string): Promise<void> {
    const f = this.inFlight;
    if (f?.sids.has(sid)) await f.done;
  }

  stop(): void {
    this.stopped = true;
    this.stopTimer();
  }

  private async round(): Promise<number> {
    let written = 0;
    const pending = this.memory.pendingEntries();
    for (let i = 0; i < pending.length && !this.stopped && !this.deps.breakerOpen?.(); i += WRITE_BACK_BATCH) {
      const batch = pending.slice(i, i + WRITE_BACK_BATCH).filter((e) => this.memory.isCurrent(e));
      if (batch.length === 0) continue;
      const outcome = this.settle(batch, await this.send(batch));
      written += outcome.written;
      if (outcome.kept > 0) {
        this.retryAfter = Date.now() + this.opts.writeBackIntervalMs;
        break;
      }
    }
    if (this.memory.pendingCount === 0) this.stopTimer();
    return written;
  }

  private async send(batch: readonly PendingEntry[]): Promise<unknown[]> {
    const now = Date.now();
    const commands = batch.map(
      (e): WriteBackCommand => ({
        key: this.opts.prefix + e.sid,
        json: e.json,
        ttlSeconds: this.opts.disableTTL ? undefined : Math.max(1, Math.ceil((e.expiresAt - now) / 1000)),
      }),
    );
    const done = sendWriteBack(this.deps.client, commands, this.pipelined);
    this.inFlight = { sids: new Set(batch.map((e) => e.sid)), done };
    try {
      return await done;
    } finally {
      this.inFlight = undefined;
    }
  }

  /** Each entry by its own reply: acknowledged ones leave memory, the rest stay pending unless refused for good. */
  private settle(batch: readonly PendingEntry[], errors: readonly unknown[]): { written: number; kept: number } {
    const { instrumentation } = this.deps;
    const failed = new Map<ErrorType, number>();
    let written = 0;
    let kept = 0;
    let dropped = 0;
    batch.forEach((entry, i) => {
      const v = verdict(errors[i] ?? null);
      if (v.action === 'written') {
        this.memory.settle(entry);
        written++;
        return;
      }
      failed.set(v.errorType, (failed.get(v.errorType) ?? 0) + 1);
      if (v.action === 'retry') kept++;
      else if (this.memory.drop(entry)) dropped++;
    });
    for (const [errorType, n] of failed)
      instrumentation.emit('sessionWriteBackFailed', { errorType: errorType, entries: n });
    if (dropped > 0) instrumentation.emit('sessionDropped', { reason: 'command_error', count: dropped });
    return { written, kept };
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
