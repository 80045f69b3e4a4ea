/** YAML for the generated rule and Alertmanager files, with the comments that explain them. */
import { Document, isMap, isScalar, isSeq, type Node, Scalar } from 'yaml';

/**
 * PromQL as literal blocks when it spans lines or would be folded, descriptions as folded blocks; the rest plain.
 * Folding never changes a value: a folded line break reads back as a space.
 */
function styleScalars(node: unknown, key?: unknown): void {
  if (isMap(node))
    for (const pair of node.items) styleScalars(pair.value, isScalar(pair.key) ? pair.key.value : pair.key);
  else if (isSeq(node)) for (const item of node.items) styleScalars(item);
  else if (isScalar(node) && typeof node.value === 'string') {
    if (node.value.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
    else if (key === 'description') node.type = Scalar.BLOCK_FOLDED;
  }
}

const asComment = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? ` ${l}` : ''))
    .join('\n');

/**
 * Renders `value` with `header` as the file's leading comment; `comments` maps a path (e.g. ['groups', 0, 'rules', 2])
 * to the comment above that node.
 */
export function renderYaml(
  value: unknown,
  header: string,
  comments: readonly { path: readonly (string | number)[]; text: string }[] = [],
): string {
  const doc = new Document(value);
  styleScalars(doc.contents);
  doc.commentBefore = asComment(header);
  for (const { path, text } of comments) {
    const node = doc.getIn(path, true) as Node | undefined;
    if (!node) throw new Error(`no node at ${path.join('.')} for the comment "${text}"`);
    node.commentBefore = asComment(text);
  }
  return doc.toString({ lineWidth: 118, minContentWidth: 40 });
}
