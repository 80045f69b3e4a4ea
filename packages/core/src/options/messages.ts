/** Turning zod issues into messages that name the bad field, its accepted range and what was given. */
import { z } from 'zod';
import { schema } from './schema.js';

/** A union failure says only "invalid input"; report the issue of the object branch the user meant instead. */
export function leafIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const rootTypeMismatch = (i: z.core.$ZodIssue) =>
    i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
  // The branch the user meant: an object whose fields are wrong, else one whose type matched but whose value is wrong.
  const branch =
    issue.errors.find((issues) => issues.length > 0 && issues.every((i) => i.path.length > 0)) ??
    issue.errors.find((issues) => issues.length > 0 && !issues.some(rootTypeMismatch));
  return branch ? branch.flatMap((i) => leafIssues({ ...i, path: [...issue.path, ...i.path] })) : [issue];
}

/** Dotted path of the offending option; for an unknown key, the key itself. */
export function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
  return path.join('.') || '(options)';
}

export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.join('.') || '(options)';
  let got = input;
  for (const p of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const shown =
    issue.code === 'unrecognized_keys'
      ? ''
      : typeof got === 'number' || typeof got === 'boolean'
        ? ` (got ${got})`
        : got === undefined
          ? ''
          : ` (got ${typeof got})`;
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
    const range = rangeOf(issue.path, input);
    return `${path}: ${range}${shown}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `${path === '(options)' ? '' : `${path}: `}unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map((k) => (path === '(options)' ? k : `${path}.${k}`))
      .join(', ')}`;
  }
  return `${path}: ${issue.message}${shown}`;
}

/** "must be an integer from 1 to 20", read back from the schema so the message always matches the check. */
function rangeOf(path: readonly PropertyKey[], _input: unknown): string {
  let node: z.ZodType = schema;
  for (const p of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(p)] ?? node;
  }
  node = unwrap(node);
  if (node instanceof z.ZodNumber) {
    const { minValue, maxValue, isInt } = node;
    return `must be ${isInt ? 'an integer' : 'a number'} from ${minValue} to ${maxValue}`;
  }
  return 'is out of range';
}

/** Through optionals and unions to the branch that carries fields or a range: an object, else a number. */
function unwrap(node: z.ZodType): z.ZodType {
  let n = node;
  for (let depth = 0; depth < 16; depth++) {
    if (n instanceof z.ZodOptional) n = n.unwrap() as z.ZodType;
    else if (n instanceof z.ZodUnion) {
      const options = n.options as z.ZodType[];
      const next = options.find((o) => o instanceof z.ZodObject) ?? options.find((o) => o instanceof z.ZodNumber);
      if (!next) return n;
      n = next;
    } else return n;
  }
  return n;
}
