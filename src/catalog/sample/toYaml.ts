import { Document, isScalar, visit } from 'yaml';

/** A list or map of scalars at most this wide (in characters) is written inline. */
const FLOW_LIMIT = 72;

// YAML 1.2 reads these as strings, but YAML 1.1 readers (still common) turn them into dates or booleans.
const AMBIGUOUS_IN_YAML_1_1 = /^(\d{4}-\d\d?-\d\d?([Tt ].*)?|y|yes|n|no|on|off)$/i;

/**
 * Block-style YAML in which short lists of scalars are written inline (`tags: [java, pci]`), the way people
 * write descriptors by hand; long lines are never folded, so every value stays greppable on one line.
 * With `flowMaps`, small maps of scalars are inline too (`{ type: string, format: uuid }`), which keeps
 * embedded API definitions short.
 */
export function toYaml(value: unknown, options: { flowMaps?: boolean } = {}): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && AMBIGUOUS_IN_YAML_1_1.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
    Seq(_, node) {
      if (node.items.length === 0 || !node.items.every(isScalar)) return;
      const width = node.items.reduce((sum, item) => sum + String(item.value).length + 2, 2);
      if (width <= FLOW_LIMIT) node.flow = true;
    },
    Map(_, node) {
      if (!options.flowMaps || node.items.length === 0 || node.items.length > 3) return;
      if (!node.items.every((pair) => isScalar(pair.key) && isScalar(pair.value))) return;
      const width = node.items.reduce(
        (sum, pair) => sum + String((pair.key as { value: unknown }).value).length + String((pair.value as { value: unknown }).value).length + 4,
        4,
      );
      if (width <= FLOW_LIMIT) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
