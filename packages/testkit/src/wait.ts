import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes the awaited condition; it leads the timeout error so a failing test says what never happened. */
  message?: string;
  /**
   * Checked after every probe that did not pass: a truthy result (a reason, e.g. `'the producer exited'`) ends the
   * wait at once, for a condition that no amount of waiting can fix. It may also throw.
   */
  fatal?: () => unknown;
}

/** What a passing probe can have returned: its type without the falsy members. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Thrown by a probe (or a `fatal` check) to stop waiting at once: waitFor rejects with it instead of retrying.
 * For conditions the probe finds out itself, e.g. a reply that proves the awaited state can never come.
 */
export class StopWaiting extends Error {
  override name = 'StopWaiting';
}

const TIMED_OUT = Symbol('timed out');

/**
 * Polls `probe` until it returns (or resolves to) a truthy value and returns that value.
 * A probe that throws an ordinary error counts as "not yet"; its last error is reported if the deadline passes.
 * A failed assertion (`expect`, `node:assert`) or a `StopWaiting` is never "not yet": it rejects at once, so a
 * probe cannot swallow an assertion. Neither can `fatal` be waited out (see WaitForOptions).
 * A probe that never settles cannot stall the caller past the deadline.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 20;
  const what = opts.message ?? 'condition not met';
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown;
  let attempts = 0;

  for (;;) {
    attempts++;
    const remaining = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(probe),
        new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), remaining);
        }),
      ]);
      if (result !== TIMED_OUT && result) return result as Truthy<T>;
    } catch (err) {
      if (isFatal(err)) throw err;
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
    const reason = checkFatal(opts.fatal);
    if (reason !== undefined) {
      throw new StopWaiting(
        `waitFor stopped after ${Date.now() - started}ms (${attempts} attempts): ${what}; fatal: ${describe(reason)}`,
        { cause: reason },
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(intervalMs, left));
  }

  const last = lastError === undefined ? '' : `; last probe error: ${describe(lastError)}`;
  throw new Error(`waitFor timed out after ${timeoutMs}ms (${attempts} attempts): ${what}${last}`, {
    cause: lastError,
  });
}

/** Errors that end the wait at once: an explicit stop, or a failed assertion (vitest's and node:assert's). */
function isFatal(err: unknown): boolean {
  return err instanceof StopWaiting || (err instanceof Error && err.name === 'AssertionError');
}

/** The fatal check's reason, or undefined while waiting may still help. A throwing check is a reason too. */
function checkFatal(fatal: (() => unknown) | undefined): unknown {
  if (!fatal) return undefined;
  let reason: unknown;
  try {
    reason = fatal();
  } catch (err) {
    if (isFatal(err)) throw err;
    return err;
  }
  return reason ? reason : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack?.split('\n')[0] ?? err.message;
  return String(err);
}
