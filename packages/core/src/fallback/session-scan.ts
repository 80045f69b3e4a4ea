/** Whole-store reads for `clear`, `length`, `ids` and `all`: SCAN (never KEYS, which blocks Redis), in bounded chunks. */
import type { ResilientClient } from '../client/guarded-client.js';
import type { SessionMemory } from './session-memory.js';

/** Keys per DEL or MGET: one command over every session would stall Redis for its other clients. */
export const CHUNK = 1000;

/** Duck-typed (ioredis's own flag), so that it holds whichever copy of ioredis built the client. */
export const isCluster = (client: ResilientClient): boolean =>
  (client as { raw?: { isCluster?: unknown } }).raw?.isCluster === true;

/** SCAN through the guarded client reaches one Cluster node: a whole-store answer would cover a fraction of it. */
export function requireScan(client: ResilientClient, method: string): void {
  if (isCluster(client)) {
    throw new Error(`rr.sessions.${method}() is not available on Redis Cluster: SCAN would cover one node only`);
  }
}

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

/** Session ids under `prefix`, with this instance's pending writes applied: its outage sessions in, its destroys out. */
export async function liveIds(
  client: ResilientClient,
  opts: { prefix: string; scanCount: number },
  memory: SessionMemory,
): Promise<string[]> {
  const keys = await scanKeys(client, opts.prefix, opts.scanCount);
  const ids = new Set(keys.map((k) => k.slice(opts.prefix.length)));
  for (const e of memory.pendingEntries()) {
    if (e.json === undefined) ids.delete(e.sid);
    else ids.add(e.sid);
  }
  return [...ids];
}

/** The stored text of each id: a pending write's from memory (newer), the others by MGET. */
export async function storedTexts(
  client: ResilientClient,
  prefix: string,
  memory: SessionMemory,
  ids: readonly string[],
): Promise<[id: string, text: string | undefined][]> {
  const pending = new Map(memory.pendingEntries().map((e) => [e.sid, e.json]));
  const inRedis = ids.filter((id) => !pending.has(id));
  const raws = await inChunks(inRedis, (chunk) => client.mget(...chunk.map((id) => prefix + id)));
  return [
    ...inRedis.map((id, i): [string, string | undefined] => [id, raws[i] ?? undefined]),
    ...ids.filter((id) => pending.has(id)).map((id): [string, string | undefined] => [id, pending.get(id)]),
  ];
}

/** DEL of every key under `prefix`, in chunks. */
export async function deleteAll(client: ResilientClient, opts: { prefix: string; scanCount: number }): Promise<void> {
  const keys = await scanKeys(client, opts.prefix, opts.scanCount);
  for (let i = 0; i < keys.length; i += CHUNK) await client.del(...keys.slice(i, i + CHUNK));
}
