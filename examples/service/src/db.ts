/**
 * The primary database: an embedded SQLite file (or `:memory:`) through `node:sqlite`, seeded at start.
 * It is the source of truth that the cache fronts, so it must answer on its own when Redis is gone.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export interface Product {
  id: number;
  name: string;
  priceCents: number;
}

export interface ProductDb {
  product(id: number): Product | null;
  /** Whether `name` is a known user (the example keeps authentication out of scope). */
  hasUser(name: string): boolean;
  /** Product reads served by the database, i.e. cache misses and fallbacks. */
  readonly reads: number;
  close(): void;
}

export const SEED_PRODUCTS = 100;
export const SEED_USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;

export function openProductDb(path = ':memory:'): ProductDb {
  const db = new DatabaseSync(path);
  db.exec(`
    CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY);
  `);
  seed(db);
  const byId: StatementSync = db.prepare('SELECT id, name, price_cents AS priceCents FROM products WHERE id = ?');
  const user: StatementSync = db.prepare('SELECT 1 FROM users WHERE name = ?');
  let reads = 0;
  return {
    product(id) {
      reads++;
      const row = byId.get(id) as Product | undefined;
      // node:sqlite returns null-prototype rows; a plain object keeps JSON and equality checks simple.
      return row ? { id: row.id, name: row.name, priceCents: row.priceCents } : null;
    },
    hasUser: (name) => user.get(name) !== undefined,
    get reads() {
      return reads;
    },
    close: () => db.close(),
  };
}

/** Idempotent, so a file database survives restarts with the same rows. */
function seed(db: DatabaseSync): void {
  const product = db.prepare('INSERT OR IGNORE INTO products (id, name, price_cents) VALUES (?, ?, ?)');
  const user = db.prepare('INSERT OR IGNORE INTO users (name) VALUES (?)');
  db.exec('BEGIN');
  for (let id = 1; id <= SEED_PRODUCTS; id++) product.run(id, `Product ${id}`, 100 + ((id * 37) % 900));
  for (const name of SEED_USERS) user.run(name);
  db.exec('COMMIT');
}
