/** The default cache codec. JSON cannot represent `undefined`: such a value is served but never cached. */
import type { TextCodec } from './types.js';

export const jsonCodec: TextCodec<unknown> = Object.freeze({
  encode: (value: unknown) => JSON.stringify(value) as string,
  decode: (raw: string): unknown => JSON.parse(raw),
});

/** What may be written to Redis; anything else (e.g. JSON.stringify(undefined)) means "do not cache". */
export const isStorable = (v: unknown): v is string | Buffer => typeof v === 'string' || Buffer.isBuffer(v);
