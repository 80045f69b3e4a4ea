/**
 * express-session is an optional peer: loaded on first use only, so services without sessions never need it.
 * The store must extend its `Store`, whose regenerate/load/createSession build express-session's own Session and
 * Cookie objects; a look-alike base class would break `req.session.regenerate()`.
 */

import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/** The slice of express-session's Store this package relies on. */
export type StoreBase = new () => EventEmitter;

let base: StoreBase | undefined;

export function loadStoreBase(): StoreBase {
  if (base) return base;
  // Resolve from this module's URL (shimmed in the CJS build): a bundler's `require` stand-in in the ESM build
  // exists but throws on dynamic requires.
  const req = createRequire(import.meta.url);
  let mod: { Store?: unknown };
  try {
    mod = req('express-session') as { Store?: unknown };
  } catch (cause) {
    throw new Error('rr.sessions needs express-session: npm i express-session', { cause });
  }
  if (typeof mod.Store !== 'function') {
    throw new Error('rr.sessions: the installed express-session has no Store class (express-session >= 1.x needed)');
  }
  base = mod.Store as StoreBase;
  return base;
}
