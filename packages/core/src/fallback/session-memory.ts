/**
 * The sessions' in-memory fallback: a bounded LRU in two parts.
 * - `clean`: copies of what Redis held when this instance last read or wrote it, so a user who was active here
 *   stays logged in while Redis is away.
 * - `pending`: sessions written (or destroyed) while Redis was unavailable, waiting to be written back. They are
 *   newer than Redis, so they win over it until written back.
 * When full, the oldest clean copy goes first; a pending entry is evicted only when nothing clean is left.
 */

export interface PendingEntry {
  readonly sid: string;
  /** Serialized session; undefined means "destroyed during the outage": DEL on write-back. */
  readonly json: string | undefined;
  /** Epoch ms after which the session is expired anyway (Infinity for a destroy). */
  readonly expiresAt: number;
}

interface CleanEntry {
  readonly json: string;
  readonly expiresAt: number;
}

export type Lookup = { json: string | undefined; pending: boolean } | undefined;

export class SessionMemory {
  private readonly clean = new Map<string, CleanEntry>();
  private readonly pending = new Map<string, PendingEntry>();
  /** Pending entries evicted for lack of room: outage writes this instance could not keep. */
  evictedPending = 0;

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  get size(): number {
    return this.clean.size + this.pending.size;
  }

  /** A pending entry wins (it is newer than Redis); then a clean copy. Expired entries read as absent. */
  lookup(sid: string): Lookup {
    const p = this.pending.get(sid);
    if (p) {
      if (p.expiresAt > this.now()) return { json: p.json, pending: true };
      this.pending.delete(sid);
    }
    const c = this.clean.get(sid);
    if (!c) return undefined;
    this.clean.delete(sid);
    if (c.expiresAt <= this.now()) return undefined;
    this.clean.set(sid, c); // most recently used goes last
    return { json: c.json, pending: false };
  }

  hasPending(sid: string): boolean {
    return this.pending.has(sid);
  }

  /** Redis holds `json` for `sid` now (read or written): keep a clean copy. */
  remember(sid: string, json: string, expiresAt: number): void {
    this.pending.delete(sid);
    this.clean.delete(sid);
    this.clean.set(sid, { json, expiresAt });
    this.evict();
  }

  /** Redis has nothing for `sid` (or just deleted it). */
  forget(sid: string): void {
    this.clean.delete(sid);
    this.pending.delete(sid);
  }

  /** A write Redis could not take: keep it until written back. */
  markDirty(sid: string, json: string | undefined, expiresAt: number): void {
    this.clean.delete(sid);
    this.pending.delete(sid);
    this.pending.set(sid, { sid, json, expiresAt });
    this.evict();
  }

  /** Drop `sid`'s pending entry before a newer write is sent, so a write-back in flight can never land after it. */
  supersede(sid: string): void {
    this.pending.delete(sid);
  }

  /** `entry` reached Redis: drop it unless a newer write replaced it meanwhile. */
  settle(entry: PendingEntry): void {
    if (this.pending.get(entry.sid) !== entry) return;
    this.pending.delete(entry.sid);
    if (entry.json !== undefined) {
      this.clean.set(entry.sid, { json: entry.json, expiresAt: entry.expiresAt });
      this.evict();
    }
  }

  /** Oldest pending entries first, up to `limit`; expired ones are dropped on the way. */
  oldestPending(limit: number): PendingEntry[] {
    const out: PendingEntry[] = [];
    const now = this.now();
    for (const [sid, e] of this.pending) {
      if (e.expiresAt <= now) {
        this.pending.delete(sid);
        continue;
      }
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  private evict(): void {
    while (this.clean.size + this.pending.size > this.max) {
      const oldClean = this.clean.keys().next();
      if (!oldClean.done) {
        this.clean.delete(oldClean.value);
        continue;
      }
      const oldPending = this.pending.keys().next();
      if (oldPending.done) return;
      this.pending.delete(oldPending.value);
      this.evictedPending++;
    }
  }
}
