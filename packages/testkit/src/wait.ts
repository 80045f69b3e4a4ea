import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes the awaited condition; it leads the timeout error so a failing test says what never happened. */
  message?: string;
}

/** What a passing probe can have returned: its type without the falsy members. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

const TIMED_OUT = Symbol('timed out');

/**
 * Polls `probe` until it returns (or resolves to) a truthy value and returns that value.
 * A throwing probe counts as "not yet"; its last error is reported if the deadline passes.
 * A probe that never settles cannot stall the caller past the deadline.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
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
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(intervalMs, left));
  }

  const what = opts.message ?? 'condition not met';
  const last = lastError === undefined ? '' : `; last probe error: ${describe(lastError)}`;
  throw new Error(`waitFor timed out after ${timeoutMs}ms (${attempts} attempts): ${what}${last}`, {
    cause: lastError,
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack?.split('\n')[0] ?? err.message;
  return String(err);
}
