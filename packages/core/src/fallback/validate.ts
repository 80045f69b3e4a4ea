/**
 * Checks of the arguments a fallback method is called with (per call); messages name the bad field and what it
 * accepts. The options are checked once, at init (options/fallbacks.ts).
 */
import { InvalidOptionsError } from '../errors/errors.js';

export function positiveInt(field: string, value: unknown, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    const got = typeof value === 'number' ? String(value) : typeof value;
    throw new InvalidOptionsError(field, [`${field}: must be an integer from 1 to ${max} (got ${got})`]);
  }
  return value;
}

export function nonEmptyString(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${what} must be a non-empty string (got ${value === '' ? 'an empty string' : typeof value})`);
  }
  return value;
}
