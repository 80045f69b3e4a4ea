/**
 * The one way a message enters a stream: a Lua script that adds it only if its idempotency id is new.
 * XADD runs before the dedup key is set, so a failed XADD (WRONGTYPE …) leaves no marker behind; Redis runs the
 * script atomically, so no other publish can slip between the check and the add. A publish whose reply was lost,
 * or a replay interrupted between XADD and the spool delete, finds the marker and adds nothing.
 */
import type { ResilientClient } from '../client/guarded-client.js';
import type { Fields, FieldValue } from './spool-format.js';
import type { StreamPayload } from './types.js';

const SCRIPT = `
local seen = redis.call('GET', KEYS[1])
if seen then return {0, seen} end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
return {1, id}
`;

/** The stream field carrying the idempotency id, so consumers can deduplicate too. */
export const ID_FIELD = 'idempotency_id';

/**
 * The dedup marker's key, in the stream's cluster slot: a stream with a hash tag keeps it as the first one,
 * a stream without becomes the tag.
 */
export function dedupKey(stream: string, id: string): string {
  const open = stream.indexOf('{');
  const hasTag = open >= 0 && stream.indexOf('}', open + 1) > open + 1; // Redis ignores an empty `{}`
  return hasTag ? `${stream}:idem:${id}` : `{${stream}}:idem:${id}`;
}

export interface WriteResult {
  /** false when the id had been seen: the message was already in the stream. */
  added: boolean;
  streamId: string;
}

export async function writeMessage(
  client: ResilientClient,
  stream: string,
  id: string,
  fields: Fields,
  dedupTtlSeconds: number,
): Promise<WriteResult> {
  const args: (string | Buffer | number)[] = [dedupKey(stream, id), stream, dedupTtlSeconds];
  for (const [f, v] of fields) args.push(f, v);
  const reply = (await client.eval(SCRIPT, 2, ...args)) as [number, string | Buffer];
  return { added: Number(reply[0]) === 1, streamId: String(reply[1]) };
}

/** Payload to stream fields, with the idempotency id added as its own field. */
export function toFields(payload: StreamPayload, id: string): Fields {
  const fields: [string, FieldValue][] = [];
  if (typeof payload === 'string') {
    fields.push(['data', payload]);
  } else if (typeof payload === 'object' && payload !== null && !Buffer.isBuffer(payload)) {
    for (const [f, v] of Object.entries(payload)) {
      if (f === ID_FIELD) throw new TypeError(`queue.publish: the field name ${ID_FIELD} is reserved; pass opts.id`);
      if (typeof v === 'string' || Buffer.isBuffer(v)) fields.push([f, v]);
      else if (typeof v === 'number' && Number.isFinite(v)) fields.push([f, String(v)]);
      else throw new TypeError(`queue.publish: field values must be strings, finite numbers or Buffers`);
    }
    if (fields.length === 0) throw new TypeError('queue.publish: payload has no fields');
  } else {
    throw new TypeError('queue.publish: payload must be a string or an object of fields');
  }
  fields.push([ID_FIELD, id]);
  return fields;
}
