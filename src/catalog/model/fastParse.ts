import jsyaml from 'js-yaml';
import type { SourcePosition } from '../../core/errors.js';
import type { ParsedDocument } from './parseDescriptors.js';
import { checkEntity } from './validateEntity.js';

/** A line that separates documents: `---` alone (optionally followed by a comment). */
const SEPARATOR = /^---[ \t]*(#.*)?$/;
/** Features the fast path leaves to the exact parser: directives, explicit document ends, `--- content`,
 *  anchors (alias bombs are bounded there), merge keys and tags. */
const UNSUPPORTED = /^(%|\.\.\.|---[ \t]*[^\s#])|(^|[\s[{,:-])[&!]\S|<<\s*:/m;

function isContent(line: string): boolean {
  const t = line.trimStart();
  return t.length > 0 && !t.startsWith('#');
}

/**
 * The common case, quickly: a multi-document file of plain, valid descriptors. It uses js-yaml (several
 * times faster than the position-keeping parser) and finds document starts by scanning lines. It returns
 * null, so the caller falls back to the exact parser, whenever anything is unusual: YAML features above,
 * a syntax error, a document count that does not match the scan, or ANY validation finding (problems need
 * exact node positions). Valid files therefore give the same entities and positions on both paths.
 */
export function fastParse(text: string, file: string): ParsedDocument[] | null {
  if (UNSUPPORTED.test(text)) return null;
  const lines = text.split('\n');
  // Start position of each document that has content, and its index among all documents.
  const starts: Array<{ index: number; position: SourcePosition }> = [];
  let docIndex = 0;
  let sawSeparator = false;
  let current: SourcePosition | null = null;
  let segmentHasContent = false;
  const close = () => {
    if (current) starts.push({ index: docIndex, position: current });
    // Text before the first `---` is a document only when it has content.
    if (sawSeparator || segmentHasContent) docIndex++;
    current = null;
    segmentHasContent = false;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (SEPARATOR.test(line)) {
      if (sawSeparator || segmentHasContent) close();
      else current = null;
      sawSeparator = true;
      continue;
    }
    if (!segmentHasContent && isContent(line)) {
      segmentHasContent = true;
      current = { file, line: i + 1, column: line.length - line.trimStart().length + 1 };
    }
  }
  if (current) starts.push({ index: docIndex, position: current });

  const raws: unknown[] = [];
  try {
    // CORE schema: no implicit timestamps or binary, as in the exact parser's YAML 1.2 core schema.
    jsyaml.loadAll(text, (d) => raws.push(d), { schema: jsyaml.CORE_SCHEMA, filename: file });
  } catch {
    return null;
  }
  const docs = raws.filter((d) => d !== null && d !== undefined);
  if (docs.length !== starts.length) return null;

  const out: ParsedDocument[] = [];
  for (let i = 0; i < docs.length; i++) {
    const checked = checkEntity(docs[i]);
    if (!checked.entity || checked.findings.length > 0) return null;
    const start = starts[i]!;
    out.push({ index: start.index, position: start.position, entity: checked.entity, ref: checked.ref, problems: [] });
  }
  return out;
}
