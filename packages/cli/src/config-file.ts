/**
 * Loads `--config <file>`: JSON, or a JS module whose default export is the options object `init()` takes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './usage.js';

export type RedisSetting =
  | { kind: 'none' }
  | { kind: 'url'; url: string }
  /** Plain ioredis options handed to init(), which adds its own defaults. */
  | { kind: 'options'; options: Record<string, unknown> }
  /** An existing ioredis instance: init() wraps it as it is, so its resolved options are what runs. */
  | { kind: 'instance'; options: Record<string, unknown> };

export interface LoadedConfig {
  file: string;
  options: Record<string, unknown>;
  redis: RedisSetting;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let loaded: unknown;
  if (abs.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      loaded = JSON.parse(text);
    } catch {
      // JSON.parse quotes the text around the error, which may be the password.
      throw new UsageError(`config file ${file} is not valid JSON`);
    }
  } else {
    try {
      const mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
      loaded = 'default' in mod ? mod.default : mod;
    } catch (err) {
      const e = err as Error;
      throw new UsageError(`cannot load config module ${file}: ${e.name}${e.message ? `: ${e.message}` : ''}`);
    }
  }
  if (!isObject(loaded)) throw new UsageError(`config file ${file} must export an options object`);
  return { file, options: loaded, redis: redisSetting(loaded.redis) };
}

function redisSetting(redis: unknown): RedisSetting {
  if (redis === undefined) return { kind: 'none' };
  if (typeof redis === 'string') return { kind: 'url', url: redis };
  if (!isObject(redis)) throw new UsageError('config: redis must be a URL, ioredis options or an ioredis instance');
  if (isObject(redis.options) && typeof redis.disconnect === 'function') {
    // A module that builds a client connects on import; let go of it so the doctor can exit.
    try {
      (redis.disconnect as () => void)();
    } catch {
      // Not ours to fail on.
    }
    return { kind: 'instance', options: redis.options };
  }
  return { kind: 'options', options: redis };
}
