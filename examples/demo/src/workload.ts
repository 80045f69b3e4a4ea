/**
 * The request mix: mostly product reads (the cache), some session checks and logins, some orders (the queue).
 * Both services get the same sequence of requests from one seeded generator, so their columns compare like for like.
 */
import type { RequestSpec } from './http-client.js';

export type Op = 'product' | 'whoami' | 'login' | 'order';
export const OPS: readonly Op[] = ['product', 'whoami', 'login', 'order'];

const MIX: ReadonlyArray<readonly [Op, number]> = [
  ['product', 0.8],
  ['whoami', 0.1],
  ['order', 0.07],
  ['login', 0.03],
];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const PRODUCTS = 100;

export interface Draw {
  op: Op;
  /** A second draw for the op's argument (product id, user, which session). */
  pick: number;
}

/** mulberry32: small, fast and seedable; the demo only needs a repeatable mix, not quality randomness. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function draw(random: () => number): Draw {
  const r = random();
  let acc = 0;
  for (const [op, weight] of MIX) {
    acc += weight;
    if (r < acc) return { op, pick: random() };
  }
  return { op: 'product', pick: random() };
}

/** The HTTP request for a draw; `cookies` are the sessions this arm has logged in so far. */
export function requestFor(d: Draw, cookies: readonly string[], timeoutMs: number): RequestSpec {
  const index = (n: number) => Math.min(n - 1, Math.floor(d.pick * n));
  switch (d.op) {
    case 'product':
      return { method: 'GET', path: `/products/${index(PRODUCTS) + 1}`, timeoutMs };
    case 'whoami':
      return { method: 'GET', path: '/whoami', cookie: cookies[index(cookies.length)], timeoutMs };
    case 'login':
      return { method: 'POST', path: '/login', json: { user: USERS[index(USERS.length)] }, timeoutMs };
    case 'order':
      return { method: 'POST', path: '/orders', json: { productId: index(PRODUCTS) + 1, quantity: 1 }, timeoutMs };
  }
}

/** What counts as served: a session check must find the user (401 means the session was lost). */
export function isSuccess(op: Op, status: number): boolean {
  return op === 'order' ? status === 202 : status === 200;
}

export const WARM_UP_LOGINS = USERS.length * 2;
export const warmUpUser = (i: number): string => USERS[i % USERS.length] as string;
