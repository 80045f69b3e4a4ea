/**
 * The spool as the queue uses it. Damage found at open or on use moves the file (with its -wal and -shm) aside under
 * a quarantine name, and the queue carries on with a fresh spool at the same path holding whatever could be salvaged,
 * so a damaged file can neither stall delivery nor stop publishing.
 */
import { existsSync, renameSync } from 'node:fs';
import type { SpoolQuarantine as QuarantineEvent } from '../instrumentation.js';
import { type Fields, type Salvage, Spool, SpoolDamage, type SpooledMessage, type SpoolSettings } from './spool.js';

/** Files SQLite may keep beside a database. */
const COMPANIONS = ['', '-wal', '-shm', '-journal'];

/** Move `path` and its companions aside; returns the new name of the database file. */
export function quarantine(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  let target = `${path}.damaged-${stamp}`;
  for (let n = 1; COMPANIONS.some((c) => existsSync(target + c)); n++) target = `${path}.damaged-${stamp}-${n}`;
  // The database file last: should a rename fail half way, the damaged file is still where the next open finds it.
  for (const c of [...COMPANIONS.slice(1), '']) if (existsSync(path + c)) renameSync(path + c, target + c);
  return target;
}

export class RecoveringSpool {
  private spool: Spool;

  constructor(
    path: string,
    private readonly durability: 'process' | 'machine',
    private readonly onQuarantine: (event: QuarantineEvent) => void,
  ) {
    try {
      this.spool = new Spool(path, durability);
    } catch (err) {
      if (!(err instanceof SpoolDamage)) throw err;
      this.spool = this.replace(err, err.salvage, 'open');
    }
  }

  get path(): string {
    return this.spool.path;
  }

  count(stream?: string): number {
    return this.spool.count(stream);
  }

  depths(): ReadonlyMap<string, number> {
    return this.spool.depths();
  }

  append(stream: string, id: string, fields: Fields): boolean {
    return this.use('publish', (s) => s.append(stream, id, fields));
  }

  peek(limit: number, afterSeq = 0): SpooledMessage[] {
    return this.use('replay', (s) => s.peek(limit, afterSeq));
  }

  remove(messages: readonly SpooledMessage[]): void {
    this.use('replay', (s) => s.remove(messages));
  }

  recordFailure(seq: number, reason: string): number {
    return this.use('replay', (s) => s.recordFailure(seq, reason));
  }

  pragmas(): SpoolSettings {
    return this.spool.pragmas();
  }

  close(): void {
    this.spool.close();
  }

  /** Run `op`; on damage, salvage, swap in a fresh spool and run it once more (sequence numbers are kept, so it means the same). */
  private use<T>(during: QuarantineEvent['during'], op: (s: Spool) => T): T {
    try {
      return op(this.spool);
    } catch (err) {
      if (!(err instanceof SpoolDamage)) throw err;
      const salvage = this.spool.salvage();
      this.spool.close();
      this.spool = this.replace(err, salvage, during);
      return op(this.spool);
    }
  }

  private replace(damage: SpoolDamage, salvage: Salvage, during: QuarantineEvent['during']): Spool {
    const quarantinedAs = quarantine(damage.path);
    const fresh = new Spool(damage.path, this.durability);
    const salvaged = fresh.restore(salvage.rows);
    this.onQuarantine({
      path: damage.path,
      quarantinedAs,
      reason: damage.reason,
      detail: damage.detail,
      salvaged,
      unreadable: salvage.unreadable,
      during,
    });
    return fresh;
  }
}
