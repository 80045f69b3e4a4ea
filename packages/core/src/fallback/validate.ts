/** Argument and option checks shared by the fallbacks; messages name the bad field and what it accepts. */
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

export function optionalString(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new InvalidOptionsError(field, [`${field}: must be a string (got ${typeof value})`]);
  }
  return value;
}

export function optionalBoolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidOptionsError(field, [`${field}: must be true or false (got ${typeof value})`]);
  }
  return value;
}

/** An options section must be an object of known fields: a typo must not silently fall back to a default. */
export function checkKeys(section: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionsError(section, [`${section}: must be an object`]);
  }
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => `${section}.${k}`).join(', ');
    throw new InvalidOptionsError(`${section}.${unknown[0]}`, [
      `unknown option${unknown.length > 1 ? 's' : ''} ${names}`,
    ]);
  }
}
