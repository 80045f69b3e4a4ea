/** Whole-store reads for `clear`, `length`, `ids` and `all`: SCAN (never KEYS, which blocks Redis), in bounded chunks. */
import type { ResilientClient } from '../client/guarded-client.js';

/** Keys per DEL or MGET: one command over every session would stall Redis for its other clients. */
export const CHUNK = 1000;

/** SCAN's glob characters, escaped so that a prefix such as `app[1]:` matches only itself. */
export const escapeGlob = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/** Every key under `prefix` (SCAN may return a key twice; each is listed once). */
export async function scanKeys(client: ResilientClient, prefix: string, count: number): Promise<string[]> {
  const pattern = `${escapeGlob(prefix)}*`;
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}

/** `fn` over `items` in CHUNK-sized slices, one after the other; the results concatenated. */
export async function inChunks<T>(items: readonly string[], fn: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(...(await fn(items.slice(i, i + CHUNK))));
  return out;
}
