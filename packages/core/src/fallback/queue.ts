/**
 * `rr.queue.publish(stream, payload)`: a Redis Streams producer that never loses a message to an outage.
 *
 * A message goes to Redis through the idempotent publish script; when Redis is unavailable it goes to the
 * durable spool instead, and so does every later message for that stream until the spool has drained, so the
 * stream keeps publish order. A timer replays the spool oldest first; a message that keeps failing with a command
 * error moves to `<stream><deadLetterSuffix>` after `maxReplayAttempts`. A damaged spool file is moved aside and
 * replaced by a fresh one (spool-recovery.ts); replay failures are counted and shown in `health()`, never swallowed.
 */
import { ClientClosedError, isRedisUnavailableError } from '../errors/errors.js';
import type { QueueHealth } from '../health.js';
import type { ReplayFailureReason, SpoolQuarantine } from '../instrumentation.js';
import type { ResolvedQueueOptions } from '../options/fallbacks.js';
import type { FallbackDeps } from './deps.js';
import { SpoolFullError } from './errors.js';
import { uuidv7 } from './ids.js';
import { toFields, writeMessage } from './publish-script.js';
import { type ManagedQueue, rejectClosed } from './queue-api.js';
import { type Fields, type SpooledMessage, spoolErrorReason } from './spool.js';
import { RecoveringSpool } from './spool-recovery.js';
import type { PublishOptions, PublishResult, StreamPayload } from './types.js';
import { nonEmptyString } from './validate.js';

export { CLOSED_QUEUE, type ManagedQueue, type StreamQueue } from './queue-api.js';

/** Spooled messages read per replay step. */
const REPLAY_BATCH = 100;

/** `cfg`: the queue's options, checked and merged at init (options/fallbacks.ts). */
export function createQueue(deps: FallbackDeps, cfg: ResolvedQueueOptions): ManagedQueue {
  const { client, instrumentation } = deps;
  /** Streams whose series were reported at least once. */
  const reported = new Set<string>();
  const state: Omit<QueueHealth, 'spooled'> = { quarantined: 0, replay: { failures: 0, failing: false } };

  function replayFailed(reason: ReplayFailureReason, err: unknown): void {
    state.replay.failures++;
    state.replay.lastFailure = { reason, at: new Date().toISOString() };
    instrumentation.emit('queueReplayFailed', { reason, error: err });
  }

  function quarantined(event: SpoolQuarantine): void {
    state.quarantined++;
    const { reason, salvaged, unreadable } = event;
    state.lastQuarantine = { reason, salvaged, unreadable, at: new Date().toISOString() };
    instrumentation.emit('queueSpoolQuarantined', event);
    // Damage met by a replay pass is a replay failure too, though the pass goes on with the fresh spool.
    if (event.during === 'replay') replayFailed('corrupt', event);
    // The depths changed with the file (salvaged messages only). Damage found at open is reported just below.
    if (event.during !== 'open')
      for (const stream of reported) instrumentation.emit('queueSpooled', { stream, depth: spool.count(stream) });
  }

  const spool = new RecoveringSpool(cfg.spoolPath, cfg.durability, quarantined);
  let timer: NodeJS.Timeout | undefined;
  let replaying: Promise<number> | undefined;
  let closed = false;

  // A restarted process picks up where the last one stopped: report the depth and start replaying.
  for (const [stream, depth] of spool.depths()) {
    reported.add(stream);
    instrumentation.emit('queueSpooled', { stream, depth });
  }
  if (spool.count() > 0) startTimer();

  function startTimer(): void {
    if (timer || closed) return;
    timer = setInterval(() => {
      // A failed pass is already counted, logged and in health(); the next tick tries again.
      if (!replaying) void replay().catch(() => {});
    }, cfg.replayIntervalMs);
    timer.unref(); // spooled messages are on disk: they must not keep an otherwise finished process alive
  }

  function stopTimer(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  function replay(): Promise<number> {
    if (closed) return rejectClosed('queue.replay');
    replaying ??= replayPass().finally(() => {
      replaying = undefined;
      if (closed) spool.close();
    });
    return replaying;
  }

  async function replayPass(): Promise<number> {
    // With the breaker open every write would only collect a rejection: wait for it to close (or half-open probe).
    if (deps.breakerOpen?.()) return 0;
    const tracker = instrumentation.startCall('queue.replay', []);
    let delivered = 0;
    let afterSeq = 0;
    // A stream whose head message failed this pass: later messages of it wait, so the stream keeps its order.
    const blocked = new Set<string>();
    let unavailable = false;
    try {
      while (!closed && !unavailable) {
        const batch = spool.peek(REPLAY_BATCH, afterSeq);
        if (batch.length === 0) break;
        const done: SpooledMessage[] = [];
        const replayed = new Map<string, number>();
        const dead = new Map<string, number>();
        for (const m of batch) {
          afterSeq = m.seq;
          if (blocked.has(m.stream)) continue;
          const r = await deliver(m);
          if (r === 'unavailable') {
            unavailable = true;
            break;
          }
          if (r === 'blocked') {
            blocked.add(m.stream);
            continue;
          }
          done.push(m);
          const tally = r === 'replayed' ? replayed : dead;
          tally.set(m.stream, (tally.get(m.stream) ?? 0) + 1);
          if (r === 'replayed') delivered++;
        }
        spool.remove(done);
        for (const [stream, n] of replayed) instrumentation.emit('queueReplayed', { stream, count: n });
        for (const [stream, n] of dead) instrumentation.emit('queueDeadLettered', { stream, count: n });
        for (const stream of new Set(done.map((m) => m.stream)))
          instrumentation.emit('queueSpooled', { stream, depth: spool.count(stream) });
      }
      tracker.end(unavailable ? 'failure' : 'success', 0);
    } catch (err) {
      tracker.end('failure', 0, err);
      state.replay.failing = true;
      replayFailed(spoolErrorReason(err), err);
      throw err;
    }
    state.replay.failing = false;
    if (spool.count() === 0) stopTimer();
    return delivered;
  }

  /** One spooled message: into its stream, into the dead-letter stream, or left for the next pass. */
  async function deliver(m: SpooledMessage): Promise<'replayed' | 'dead_lettered' | 'blocked' | 'unavailable'> {
    try {
      await writeMessage(client, m.stream, m.id, m.fields, cfg.dedupTtlSeconds);
      return 'replayed';
    } catch (err) {
      if (isRedisUnavailableError(err)) return 'unavailable';
      const reason = err instanceof Error ? err.message : String(err);
      const attempts = spool.recordFailure(m.seq, reason);
      if (attempts < cfg.maxReplayAttempts) return 'blocked';
      const deadFields: Fields = [
        ...m.fields,
        ['dead_letter_stream', m.stream],
        ['dead_letter_reason', reason],
        ['dead_letter_attempts', String(attempts)],
      ];
      try {
        await writeMessage(client, m.stream + cfg.deadLetterSuffix, m.id, deadFields, cfg.dedupTtlSeconds);
        return 'dead_lettered';
      } catch (deadErr) {
        // Nowhere to put it: it stays spooled (and blocks its stream) rather than being dropped.
        return isRedisUnavailableError(deadErr) ? 'unavailable' : 'blocked';
      }
    }
  }

  return {
    async publish(stream: string, payload: StreamPayload, opts: PublishOptions = {}): Promise<PublishResult> {
      if (closed) throw new ClientClosedError('queue.publish');
      nonEmptyString('queue.publish: stream', stream);
      const id = opts.id === undefined ? uuidv7() : nonEmptyString('queue.publish: opts.id', opts.id);
      const fields = toFields(payload, id);
      const tracker = instrumentation.startCall('queue.publish', []);
      // A stream's queue series exist from its first publish, so rate() sees the first replay too.
      if (!reported.has(stream)) {
        reported.add(stream);
        instrumentation.emit('queueSpooled', { stream, depth: spool.count(stream) });
      }

      const toSpool = (reason: string): PublishResult => {
        if (spool.count() >= cfg.maxSpooled) {
          const err = new SpoolFullError(stream, cfg.maxSpooled);
          tracker.fallback('queue_spool', reason, false);
          tracker.end('failure', 0, err);
          throw err;
        }
        try {
          spool.append(stream, id, fields);
        } catch (err) {
          // The spool could not take it (disk full, I/O error): the caller learns that the message is stored nowhere.
          tracker.fallback('queue_spool', reason, false);
          tracker.end('failure', 0, err);
          throw err;
        }
        instrumentation.emit('queueSpooled', { stream, depth: spool.count(stream) });
        tracker.fallback('queue_spool', reason, true);
        tracker.end('fallback', 0);
        startTimer();
        return { id, spooled: true };
      };

      // Messages of this stream are still waiting: this one queues behind them, or it would overtake them.
      if (spool.count(stream) > 0) return toSpool('backlog');
      if (deps.breakerOpen?.()) return toSpool('circuit_open');
      try {
        const r = await tracker.runInContext(() => writeMessage(client, stream, id, fields, cfg.dedupTtlSeconds));
        tracker.end('success', 0);
        return { id, spooled: false, streamId: r.streamId };
      } catch (err) {
        if (isRedisUnavailableError(err)) return toSpool(err.errorType);
        tracker.end('command_error', 0, err);
        throw err;
      }
    },
    replay,
    spooled: (stream?: string) => spool.count(stream),
    health: () => ({ spooled: spool.count(), ...state, replay: { ...state.replay } }),
    spoolSettings: () => spool.pragmas(),
    close() {
      if (closed) return;
      closed = true;
      stopTimer();
      if (!replaying) spool.close(); // else the running pass closes it when it ends
    },
  };
}
