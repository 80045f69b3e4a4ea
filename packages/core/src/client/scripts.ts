/**
 * `defineCommand(name, { lua, numberOfKeys, readOnly })`, as ioredis has it: `client[name](...)` runs the script
 * with EVALSHA and, when Redis answers NOSCRIPT (a restarted or flushed server), with EVAL, within the same attempt.
 * The call goes through the executor like any command (breaker, timeout, retry: only a read-only script is retried
 * once it may have run). In a pipeline the script is sent with EVAL, which needs no round trip to load it.
 */
import { createHash } from 'node:crypto';
import { isNoScriptError } from '../errors/classify.js';
import { splitCallback, withCallback } from './commands.js';
import type { AnyFn, GuardedCore, ScriptDefinition } from './types.js';

/** The arguments after the script (or its digest): the key count first when the definition fixes it. */
export function scriptArgs(def: ScriptDefinition, args: readonly unknown[]): unknown[] {
  return typeof def.numberOfKeys === 'number' ? [def.numberOfKeys, ...args] : [...args];
}

export function validateDefinition(name: string, def: ScriptDefinition): void {
  if (typeof name !== 'string' || name === '') throw new TypeError('defineCommand: name must be a non-empty string');
  if (typeof def?.lua !== 'string') throw new TypeError(`defineCommand('${name}'): definition.lua must be a string`);
}

/** The two methods `defineCommand` adds: `name` (strings) and `nameBuffer` (Buffers). */
export function scriptMethods(core: GuardedCore, def: ScriptDefinition): [AnyFn, AnyFn] {
  const sha = createHash('sha1').update(def.lua).digest('hex');
  const make =
    (buffer: boolean): AnyFn =>
    (...raw: unknown[]) => {
      const [rest, callback] = splitCallback(raw);
      const args = scriptArgs(def, rest);
      const start = (once: boolean) =>
        core.executor.run({
          operation: 'evalsha',
          args: [sha, ...args],
          isRetrySafe: () => def.readOnly === true,
          once,
          send: (client) => {
            const redis = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
            return redis[buffer ? 'evalshaBuffer' : 'evalsha']!(sha, ...args).catch((err: unknown) => {
              if (!isNoScriptError(err)) throw err;
              return redis[buffer ? 'evalBuffer' : 'eval']!(def.lua, ...args);
            });
          },
        });
      return withCallback(core.tx.active ? core.tx.run('evalsha', start) : start(false), callback);
    };
  return [make(false), make(true)];
}
