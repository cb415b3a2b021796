import { Document, isPair, isScalar, isSeq, visit } from 'yaml';

/** A YAML document of a value, with a comment at the top; add more comments, then `yamlText` it. */
export function yamlDocument(value: unknown, comment?: string): Document {
  const doc = new Document(value);
  if (comment !== undefined) doc.commentBefore = comment;
  return doc;
}

/** YAML for people to read: no line folding, short lists of one-line strings on one line (`needs: [test, build]`). */
export function yamlText(doc: Document): string {
  visit(doc, {
    Seq(_, node, path) {
      if (!isSeq(node) || node.items.length === 0) return;
      // Commands read better one per line.
      const parent = path[path.length - 1];
      if (isPair(parent) && isScalar(parent.key) && parent.key.value === 'script') return;
      const oneLine = node.items.every((i) => isScalar(i) && typeof i.value === 'string' && !i.value.includes('\n'));
      const width = node.items.reduce<number>((n, i) => n + String(isScalar(i) ? i.value : '').length + 2, 0);
      if (oneLine && width <= 60) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
