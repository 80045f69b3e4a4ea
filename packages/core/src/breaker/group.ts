/**
 * What a call needs from its breaker, and a group of breakers acting as one: a pipeline or MULTI in a cluster
 * touches every node that owns one of its keys, so it is admitted only when each of them admits it, and its outcome
 * counts for each of them.
 */
import type { CircuitOpenError } from '../errors/errors.js';
import type { ErrorType } from '../errors/types.js';

export interface CallBreaker {
  admit(operation: string): CircuitOpenError | undefined;
  success(): void;
  failure(failed?: { error: unknown; type: ErrorType }): Promise<void>;
}

export class BreakerGroup implements CallBreaker {
  constructor(private readonly members: readonly CallBreaker[]) {}

  admit(operation: string): CircuitOpenError | undefined {
    for (const b of this.members) {
      const rejection = b.admit(operation);
      if (rejection) return rejection;
    }
    return undefined;
  }

  success(): void {
    for (const b of this.members) b.success();
  }

  async failure(failed?: { error: unknown; type: ErrorType }): Promise<void> {
    await Promise.all(this.members.map((b) => b.failure(failed)));
  }
}
