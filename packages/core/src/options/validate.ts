/** Checking options against the schema, with messages that name the bad field: shared by every resolver. */
import { InvalidOptionsError } from '../errors/errors.js';
import { describeIssue, fieldOf, leafIssues } from './messages.js';
import { schema } from './schema.js';

/** Throws InvalidOptionsError naming every bad field and its accepted range. */
export function validate(input: unknown): void {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidOptionsError('(options)', ['(options): must be an object']);
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return;
  const leaves = parsed.error.issues.flatMap(leafIssues);
  throw new InvalidOptionsError(
    leaves[0] ? fieldOf(leaves[0]) : '(options)',
    leaves.map((i) => describeIssue(i, input)),
  );
}
