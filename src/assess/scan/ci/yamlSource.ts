import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { CiProblem } from './types.js';

export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/**
 * A CI file parsed once with source ranges, and the small reading helpers every CI system needs: anchors and
 * merge keys resolved, scalars as strings, and the 1-based line of any node (evidence must point at a line).
 */
export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly root: Node | null;
  private readonly doc: Document.Parsed;
  private readonly lines: LineCounter;
  private readonly entryCache = new WeakMap<YAMLMap, Entry[]>();

  constructor(file: string, text: string, doc: Document.Parsed, lines: LineCounter) {
    this.file = file;
    this.text = text;
    this.doc = doc;
    this.lines = lines;
    this.root = this.resolve(doc.contents as Node | null);
  }

  /** Parses a CI file; a syntax error is a problem (file:line), never a throw. */
  static parse(file: string, text: string): { source?: YamlSource; problems: CiProblem[] } {
    const lines = new LineCounter();
    // GitLab files may start with a `spec:` header document; the configuration is the last document.
    const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, merge: true, version: '1.2' });
    const list: Document.Parsed[] = [...docs];
    const problems: CiProblem[] = [];
    // Errors found at the end of the text (an unclosed quote) point at the last line that has content.
    const lastLine = text.trimEnd().split('\n').length;
    for (const doc of list) {
      for (const err of doc.errors) {
        const line = Math.min(lines.linePos(err.pos[0]).line, lastLine);
        problems.push({ file, line, message: `expected valid YAML, found an error: ${firstLine(err.message)}` });
      }
    }
    if (problems.length > 0) return { problems };
    const doc = list.length > 1 && isMap(list[0]?.contents) && list[0]?.contents.has('spec') ? list[list.length - 1] : list[0];
    if (!doc) return { problems };
    return { source: new YamlSource(file, text, doc, lines), problems };
  }

  resolve(node: unknown): Node | null {
    let cur = node;
    for (let i = 0; i < 20 && isAlias(cur); i++) cur = cur.resolve(this.doc);
    if (cur === undefined || cur === null) return null;
    return cur as Node;
  }

  /** 1-based line where a node (or a pair's key) starts. */
  lineOf(node: Node | Pair | null | undefined, fallback = 1): number {
    const range = node && 'range' in node ? node.range : node && 'key' in node ? (node.key as Node | null)?.range : undefined;
    if (!range) return fallback;
    return this.lines.linePos(range[0]).line;
  }

  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  /** Keys and values of a mapping, merge keys (`<<: *anchor`) expanded, explicit keys winning. */
  entries(node: Node | null | undefined): Entry[] {
    const map = this.resolve(node);
    if (!isMap(map)) return [];
    let cached = this.entryCache.get(map);
    if (!cached) {
      cached = this.readEntries(map);
      this.entryCache.set(map, cached);
    }
    return cached;
  }

  private readEntries(map: YAMLMap): Entry[] {
    const out = new Map<string, Entry>();
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = pair.key as Node;
      if (isMergeKey(keyNode)) {
        const sources = this.resolve(pair.value);
        const list = isSeq(sources) ? sources.items.map((n) => this.resolve(n)) : [sources];
        for (const src of list) for (const e of this.entries(src)) merged.push(e);
        continue;
      }
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      out.set(key, { key, keyNode, value: this.resolve(pair.value) });
    }
    for (const e of merged) if (!out.has(e.key)) out.set(e.key, e);
    return [...out.values()];
  }

  get(node: Node | null | undefined, key: string): Node | null {
    for (const e of this.entries(node)) if (e.key === key) return e.value;
    return null;
  }

  /** The pair's key node, for the line of `key:` itself. */
  keyNode(node: Node | null | undefined, key: string): Node | null {
    for (const e of this.entries(node)) if (e.key === key) return e.keyNode;
    return null;
  }

  has(node: Node | null | undefined, key: string): boolean {
    return this.entries(node).some((e) => e.key === key);
  }

  isMap(node: Node | null | undefined): boolean {
    return isMap(this.resolve(node));
  }

  isSeq(node: Node | null | undefined): boolean {
    return isSeq(this.resolve(node));
  }

  items(node: Node | null | undefined): Node[] {
    const seq = this.resolve(node);
    if (!isSeq(seq)) return [];
    const out: Node[] = [];
    for (const item of seq.items) {
      const n = this.resolve(item);
      if (n) out.push(n);
    }
    return out;
  }

  /** A scalar as text (numbers and booleans too), else undefined. */
  str(node: Node | null | undefined): string | undefined {
    const n = this.resolve(node);
    if (!isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return typeof n.value === 'string' ? n.value : String(n.value);
  }

  /** A list of scalars, or one scalar as a list of one. */
  strings(node: Node | null | undefined): string[] {
    const n = this.resolve(node);
    if (isSeq(n)) return this.items(n).flatMap((i) => this.strings(i));
    const s = this.str(n);
    return s === undefined ? [] : [s];
  }

  isScalar(node: Node | null | undefined): boolean {
    return isScalar(this.resolve(node));
  }

  tagOf(node: Node | null | undefined): string | undefined {
    return this.resolve(node)?.tag;
  }

  /** Plain data, for small values (inputs, conditions). */
  toJS(node: Node | null | undefined): unknown {
    const n = this.resolve(node);
    if (!n) return null;
    try {
      return n.toJS(this.doc, { maxAliasCount: 100 });
    } catch {
      return null;
    }
  }

  /**
   * For each line of a scalar's value, the file line it came from. Block literals keep lines one to one; for
   * other styles (folded, quoted, plain) each value line is looked up in the node's source text, falling back to
   * the line where the value starts.
   */
  valueLines(node: Node | null | undefined): (index: number) => number {
    const n = this.resolve(node);
    const start = this.lineOf(n);
    if (!isScalar(n) || typeof n.value !== 'string' || !n.range) return () => start;
    const value = n.value;
    if (n.type === 'BLOCK_LITERAL') return (i) => start + 1 + i;
    const source = this.text.slice(n.range[0], n.range[1]);
    const valueLines = value.split('\n');
    const found: number[] = [];
    let cursor = 0;
    let last = start;
    for (const line of valueLines) {
      const probe = line.trim().slice(0, 40);
      const at = probe ? source.indexOf(probe, cursor) : -1;
      if (at >= 0) {
        last = this.lineAt(n.range[0] + at);
        cursor = at + probe.length;
      }
      found.push(last);
    }
    return (i) => found[i] ?? last;
  }
}

function isMergeKey(node: Node): boolean {
  if (!isScalar(node)) return false;
  const v = node.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}
