/** Shared test helpers: a recording Instrumentation to observe the executor's decisions. */
import type { BreakerTransition } from '../src/breaker/breaker.js';
import { type CallTracker, type Instrumentation, noopInstrumentation } from '../src/instrumentation.js';

export interface RecordedCall {
  operation: string;
  attempts: { attempt: number; errorType: string | undefined }[];
  retries: { attempt: number; delayMs: number; errorType: string }[];
  rejected?: string;
  outcome?: string;
}

export function recordingInstrumentation() {
  const calls: RecordedCall[] = [];
  const transitions: BreakerTransition[] = [];
  const statuses: string[] = [];
  const connectionErrors: string[] = [];
  const failovers: { from: string; to: string }[] = [];
  // Only the hooks the tests read are recorded; the rest stay the no-op ones.
  const instrumentation: Instrumentation = {
    ...noopInstrumentation,
    startCall(operation) {
      const call: RecordedCall = { operation, attempts: [], retries: [] };
      calls.push(call);
      const tracker: CallTracker = {
        attemptEnd: (attempt, _s, _e, errorType) => call.attempts.push({ attempt, errorType }),
        retry: (attempt, delayMs, errorType) => call.retries.push({ attempt, delayMs, errorType }),
        rejected: (state) => {
          call.rejected = state;
        },
        fallback() {},
        end: (outcome) => {
          call.outcome = outcome;
        },
        runInContext: (fn) => fn(),
      };
      return tracker;
    },
    breakerTransition: (t) => transitions.push(t),
    connectionStatus: (s) => statuses.push(s),
    connectionError: (t) => connectionErrors.push(t),
    failover: (from, to) => failovers.push({ from, to }),
  };
  return { instrumentation, calls, transitions, statuses, connectionErrors, failovers };
}

/** Settle a promise into a value or the error, recording how long it took. */
export async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await p;
    return { value, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}
