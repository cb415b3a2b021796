import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Problem, SourcePosition } from '../../core/errors.js';
import type { Entity } from './entity.js';
import { toProblem, type Finding } from './finding.js';
import { checkEntity } from './validateEntity.js';
import { fastParse } from './fastParse.js';

/** One YAML document of a descriptor file and what became of it. */
export interface ParsedDocument {
  /** 0-based document index in the file (empty documents count but are not listed). */
  index: number;
  /** Start of the document's content (its first key), or of the document when it has none. */
  position: SourcePosition;
  /** Present only when the document is valid (no error problems). */
  entity?: Entity;
  /** Its lower-cased ref, when kind and name could be read even if invalid. */
  ref?: string;
  /** Every problem, each with the position of the offending node. */
  problems: Problem[];
}

/** Default size limit of one descriptor file. */
export const DEFAULT_MAX_DESCRIPTOR_BYTES = 1024 * 1024;

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}

function byPosition(a: Problem, b: Problem): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0);
}

/** The node a finding points at: the value, its key, or (for a missing field) the parent mapping. */
function nodeFor(doc: Document, f: Finding): Node | undefined {
  const path = f.on === 'parent' ? f.at.slice(0, -1) : f.at;
  let node: unknown = doc.contents;
  let best: Node | undefined = doc.contents ?? undefined;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value ?? undefined;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      keyNode = undefined;
    } else {
      break;
    }
    // Aliased or merged content has no range in this document; the deepest ranged node is the best hint.
    const ranged = (node as Node | undefined)?.range ? (node as Node) : keyNode;
    if (ranged?.range) best = ranged;
    else break;
  }
  if (f.on === 'key' && keyNode?.range) return keyNode;
  return best;
}

/**
 * Parses a (multi-document) YAML descriptor file into validated entities. A bad document never hides the
 * good ones next to it: each document is parsed, validated and reported on its own. File-level problems
 * (too large, binary) are returned separately and mean no document was read.
 */
export function parseDescriptors(
  text: string,
  file: string,
  opts: { maxBytes?: number; /** Skip the fast path (tests compare both). */ exact?: boolean } = {},
): { documents: ParsedDocument[]; problems: Problem[] } {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DESCRIPTOR_BYTES;
  const fileStart = { file, line: 1, column: 1 };
  // UTF-8 needs at least one byte per UTF-16 unit, so an over-long string is rejected without measuring.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    const size = text.length > maxBytes ? `more than ${maxBytes}` : String(Buffer.byteLength(text, 'utf8'));
    return {
      documents: [],
      problems: [
        {
          code: 'too_large',
          path: '',
          message: `expected a descriptor file of at most ${maxBytes} bytes, found ${size} bytes`,
          position: fileStart,
          severity: 'error',
        },
      ],
    };
  }

  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };

  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    // linePos needs the counter filled; count newlines directly for this one position.
    const before = text.slice(0, nul);
    const line = before.split('\n').length;
    const column = nul - before.lastIndexOf('\n');
    return {
      documents: [],
      problems: [
        {
          code: 'yaml_syntax',
          path: '',
          message: 'expected YAML text, found binary data (a NUL byte)',
          position: { file, line, column },
          severity: 'error',
        },
      ],
    };
  }

  if (!opts.exact) {
    const fast = fastParse(text, file);
    if (fast) return { documents: fast, problems: [] };
  }

  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const documents: ParsedDocument[] = [];
  docs.forEach((doc, index) => {
    const contents = doc.contents as Node | null;
    // Empty documents (a stray `---`, comments only, an explicit null) hold no entity; Backstage skips them too.
    const empty = contents === null || (isScalar(contents) && contents.value === null);
    if (empty && doc.errors.length === 0) return;
    const start = contents?.range?.[0] ?? doc.range[0];
    const parsed: ParsedDocument = { index, position: at(start), problems: [] };

    for (const err of doc.errors) {
      parsed.problems.push({
        code: 'yaml_syntax',
        path: '',
        message: `expected valid YAML, found an error: ${firstLine(err.message)}`,
        position: at(err.pos[0]),
        severity: 'error',
      });
    }
    for (const warning of doc.warnings) {
      parsed.problems.push({
        code: 'yaml_syntax',
        path: '',
        message: firstLine(warning.message),
        position: at(warning.pos[0]),
        severity: 'warning',
      });
    }

    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      parsed.problems.push({
        code: 'yaml_syntax',
        path: '',
        message: `expected a YAML document that can be read as data, found an error: ${firstLine((e as Error).message)}`,
        position: parsed.position,
        severity: 'error',
      });
      documents.push(parsed);
      return;
    }

    const checked = checkEntity(raw);
    if (checked.ref) parsed.ref = checked.ref;
    if (doc.errors.length > 0) {
      // A document YAML could not read cleanly is rejected whatever its content looks like.
      documents.push(parsed);
      return;
    }
    for (const f of checked.findings) {
      const node = nodeFor(doc, f);
      parsed.problems.push(toProblem(f, node?.range ? at(node.range[0]) : parsed.position));
    }
    // Reading order, so a person fixing the file can go top to bottom; sort is stable for equal positions.
    parsed.problems.sort(byPosition);
    if (checked.entity) parsed.entity = checked.entity;
    documents.push(parsed);
  });
  return { documents, problems: [] };
}
