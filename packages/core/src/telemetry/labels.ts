/**
 * Bounded label values. A label value that comes from outside a fixed list (an error type, a fallback reason, a
 * connection status) goes through here, so a bug or an unexpected input can add at most a few series, never one
 * per call.
 */
import { CONNECTION_ERROR_TYPES, FALLBACK_TYPES, type FallbackType } from './catalog.js';

export const OTHER_LABEL = 'other';

/** ioredis (standalone and cluster) connection statuses; all are pre-set to 0 so "not ready" is a value, not a gap. */
export const CLIENT_STATUSES: readonly string[] = [
  'wait',
  'connecting',
  'connect',
  'ready',
  'close',
  'reconnecting',
  'disconnecting',
  'end',
  'monitoring',
];

const SAFE_VALUE = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Accepts up to `max` distinct well-formed values, then maps new ones to `other`. Values we emit ourselves
 * (error types from the classifier) fit easily; the cap only matters when something goes wrong.
 */
export class BoundedLabel {
  private readonly seen: Set<string>;

  constructor(
    private readonly max: number,
    initial: readonly string[] = [],
    private readonly pattern: RegExp = SAFE_VALUE,
  ) {
    this.seen = new Set(initial);
  }

  value(v: unknown): string {
    if (typeof v !== 'string') return OTHER_LABEL;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max || !this.pattern.test(v)) return OTHER_LABEL;
    this.seen.add(v);
    return v;
  }
}

/** Breaker nodes: `default`, or a cluster node's `host:port`. */
export const NODE_PATTERN = /^[A-Za-z0-9_.:[\]-]{1,100}$/;

/** Stream names are chosen by the app (a handful per service), unlike keys; still capped. */
export const STREAM_PATTERN = /^[A-Za-z0-9_.:{}-]{1,100}$/;

const STATUS_SET: ReadonlySet<string> = new Set(CLIENT_STATUSES);
export const statusLabel = (s: string): string => (STATUS_SET.has(s) ? s : OTHER_LABEL);

const CONNECTION_ERROR_SET: ReadonlySet<string> = new Set(CONNECTION_ERROR_TYPES);
export const connectionErrorLabel = (t: string): string => (CONNECTION_ERROR_SET.has(t) ? t : OTHER_LABEL);

const FALLBACK_SET: ReadonlySet<string> = new Set(FALLBACK_TYPES);
/** A fallback type outside the catalog's list is by definition a user's own: `custom`. */
export const fallbackTypeLabel = (t: string): FallbackType => (FALLBACK_SET.has(t) ? (t as FallbackType) : 'custom');
