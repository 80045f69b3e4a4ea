/**
 * Idempotency ids: UUIDv7 (RFC 9562), a 48-bit millisecond timestamp then random bits. Time-ordered, so ids
 * sort roughly in publish order, and random enough that two producers never collide.
 */
import { randomFillSync } from 'node:crypto';

export function uuidv7(now: number = Date.now()): string {
  const b = new Uint8Array(16);
  randomFillSync(b, 6);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
