/**
 * The sessions' in-memory fallback: a bounded LRU in two parts.
 * - `clean`: copies of what Redis held when this instance last read or wrote it, so a user who was active here
 *   stays logged in while Redis is away.
 * - `pending`: sessions written (or destroyed) while Redis could not take them, waiting to be written back. They are
 *   newer than Redis, so they win over it until Redis has acknowledged them, entry by entry.
 * When full, the oldest clean copy goes first; a pending entry is evicted only when nothing clean is left, and that
 * loss is reported through `hooks.evictedPending`.
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

/** What the store reports; both are called synchronously, from inside the mutation. */
export interface SessionMemoryHooks {
  /** The number of pending entries changed (the pending gauge). */
  pendingCount?(count: number): void;
  /** A pending entry was evicted for lack of room: an outage write that will never reach Redis. */
  evictedPending?(): void;
}

export class SessionMemory {
  private readonly clean = new Map<string, CleanEntry>();
  private readonly pending = new Map<string, PendingEntry>();
  /** Pending entries a newer write is on its way to replace: still read, never written back. */
  private readonly superseded = new WeakSet<PendingEntry>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
    private readonly hooks: SessionMemoryHooks = {},
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
      this.deletePending(sid);
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

  /** `entry` is still the newest pending write of its session (nothing superseded it). */
  isCurrent(entry: PendingEntry): boolean {
    return this.pending.get(entry.sid) === entry && !this.superseded.has(entry);
  }

  /** Redis holds `json` for `sid` now (read or written): keep a clean copy. */
  remember(sid: string, json: string, expiresAt: number): void {
    this.deletePending(sid);
    this.clean.delete(sid);
    this.clean.set(sid, { json, expiresAt });
    this.evict();
  }

  /**
   * A direct write of `sid` was acknowledged (`json` undefined: a destroy). It replaces what it superseded, but not a
   * newer write pended while it was on its way.
   */
  written(sid: string, superseded: PendingEntry | undefined, json: string | undefined, expiresAt: number): void {
    const p = this.pending.get(sid);
    if (p && p !== superseded) return;
    if (json === undefined) this.forget(sid);
    else this.remember(sid, json, expiresAt);
  }

  /** Redis has nothing for `sid` (or just deleted it). */
  forget(sid: string): void {
    this.clean.delete(sid);
    this.deletePending(sid);
  }

  /** A write Redis could not take: keep it until Redis acknowledges it. */
  markDirty(sid: string, json: string | undefined, expiresAt: number): void {
    this.clean.delete(sid);
    this.pending.delete(sid); // re-inserted last: the newest write is written back last
    this.setPending(sid, { sid, json, expiresAt });
    this.evict();
  }

  /**
   * A newer write of `sid` is about to be sent: its pending entry is never written back from now on (it could land
   * after the newer one), but readers still see it until the newer write's outcome replaces it. Returns the entry
   * for `restore`.
   */
  supersede(sid: string): PendingEntry | undefined {
    const p = this.pending.get(sid);
    if (p) this.superseded.add(p);
    return p;
  }

  /** The newer write failed for good: the entry it superseded is the newest write again, to be written back. */
  restore(entry: PendingEntry | undefined): void {
    if (entry && this.pending.get(entry.sid) === entry) this.superseded.delete(entry);
  }

  /** Redis acknowledged `entry`: it leaves the pending set, unless a newer write replaced it meanwhile. */
  settle(entry: PendingEntry): void {
    if (!this.isCurrent(entry)) return;
    this.deletePending(entry.sid);
    if (entry.json !== undefined) {
      this.clean.set(entry.sid, { json: entry.json, expiresAt: entry.expiresAt });
      this.evict();
    }
  }

  /** Give up on `entry` (Redis refused it for good). Returns false when a newer write had replaced it anyway. */
  drop(entry: PendingEntry): boolean {
    if (!this.isCurrent(entry)) return false;
    this.deletePending(entry.sid);
    return true;
  }

  /** Pending entries, oldest first, up to `limit`; expired ones are dropped on the way (Redis would expire them too). */
  pendingEntries(limit = Number.POSITIVE_INFINITY): PendingEntry[] {
    const out: PendingEntry[] = [];
    const now = this.now();
    for (const [sid, e] of this.pending) {
      if (out.length >= limit) break;
      if (e.expiresAt <= now) this.deletePending(sid);
      else if (!this.superseded.has(e)) out.push(e);
    }
    return out;
  }

  /** Forget everything (the store was cleared or closed). Returns how many pending entries went with it. */
  clear(): number {
    const dropped = this.pending.size;
    this.clean.clear();
    this.pending.clear();
    if (dropped > 0) this.hooks.pendingCount?.(0);
    return dropped;
  }

  private setPending(sid: string, entry: PendingEntry): void {
    const before = this.pending.size;
    this.pending.set(sid, entry);
    if (this.pending.size !== before) this.hooks.pendingCount?.(this.pending.size);
  }

  private deletePending(sid: string): void {
    if (this.pending.delete(sid)) this.hooks.pendingCount?.(this.pending.size);
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
      this.deletePending(oldPending.value);
      this.hooks.evictedPending?.();
    }
  }
}
