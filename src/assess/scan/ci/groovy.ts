/**
 * A brace-aware reader for Jenkinsfiles: Groovy tokens (identifiers, all string forms, comments, operators,
 * newlines) grouped into statements, every `{ ... }` read as a nested block of statements. It does not evaluate
 * Groovy: it is enough to find `stage('x') { steps { sh '...' } }`, calls and their string arguments.
 */

export type TokKind = 'id' | 'str' | 'num' | 'op' | 'nl' | 'block';

export interface Tok {
  t: TokKind;
  v: string;
  /** 1-based line where the token starts. */
  line: number;
  /** For `block` tokens: the statements inside the braces. */
  block?: Stmt[];
  /** For strings: triple-quoted (the text may span lines). */
  multiline?: boolean;
}

export interface Stmt {
  toks: Tok[];
  line: number;
}

const OPS = ['==~', '=~', '==', '!=', '<=>', '<=', '>=', '&&', '||', '->', '?.', '?:', '++', '--', '+=', '-=', '*=', '/=', '<<', '>>', '..', '*.', '::', '**'];
/** After these, a `/` starts a slashy string rather than a division. */
const OPERAND_EXPECTED = new Set(['(', ',', '=', '==', '!=', '~', '=~', '==~', '[', ':', '!', '&&', '||', '{', 'return', '?']);

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  if (src.startsWith('#!')) {
    while (i < n && src[i] !== '\n') i++;
  }
  const push = (t: TokKind, v: string, at: number, extra: Partial<Tok> = {}): void => {
    toks.push({ t, v, line: at, ...extra });
  };
  const lastSignificant = (): Tok | undefined => {
    for (let k = toks.length - 1; k >= 0; k--) if (toks[k]!.t !== 'nl') return toks[k];
    return undefined;
  };
  /** Reads a quoted string starting at i (on the quote); GString `${...}` kept as text with nested braces. */
  const readString = (quote: string): string => {
    const triple = src.startsWith(quote.repeat(3), i);
    const close = triple ? quote.repeat(3) : quote;
    i += close.length;
    let out = '';
    while (i < n) {
      if (src.startsWith(close, i)) {
        i += close.length;
        return out;
      }
      const c = src[i]!;
      if (c === '\\' && i + 1 < n) {
        const d = src[i + 1]!;
        out += d === 'n' ? '\n' : d === 't' ? '\t' : d === '\n' ? '' : d;
        if (d === '\n') line++;
        i += 2;
        continue;
      }
      if (quote === '"' && c === '$' && src[i + 1] === '{') {
        let depth = 0;
        const from = i;
        while (i < n) {
          const d = src[i]!;
          if (d === '{') depth++;
          else if (d === '}') {
            depth--;
            if (depth === 0) {
              i++;
              break;
            }
          } else if (d === '\n') line++;
          i++;
        }
        out += src.slice(from, i);
        continue;
      }
      if (c === '\n') {
        line++;
        if (!triple) {
          // An unterminated single-line string: stop at the line end.
          return out;
        }
      }
      out += c;
      i++;
    }
    return out;
  };

  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      push('nl', '\n', line);
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      const at = line;
      const multiline = src.startsWith(c.repeat(3), i);
      const v = readString(c);
      push('str', v, at, { multiline });
      continue;
    }
    if (c === '$' && src[i + 1] === '/') {
      const at = line;
      const end = src.indexOf('/$', i + 2);
      const stop = end === -1 ? n : end;
      const v = src.slice(i + 2, stop);
      for (const ch of v) if (ch === '\n') line++;
      i = stop + 2;
      push('str', v, at, { multiline: true });
      continue;
    }
    if (c === '/') {
      const prev = lastSignificant();
      const operandExpected = !prev || (prev.t === 'op' && OPERAND_EXPECTED.has(prev.v)) || (prev.t === 'id' && prev.v === 'return');
      if (operandExpected && src[i + 1] !== ' ' && src[i + 1] !== '=') {
        const at = line;
        let k = i + 1;
        let v = '';
        while (k < n && src[k] !== '/' && src[k] !== '\n') {
          if (src[k] === '\\' && k + 1 < n) {
            v += src[k]! + src[k + 1]!;
            k += 2;
            continue;
          }
          v += src[k];
          k++;
        }
        if (src[k] === '/') {
          i = k + 1;
          push('str', v, at);
          continue;
        }
      }
    }
    if (/[A-Za-z_$]/.test(c)) {
      let k = i + 1;
      while (k < n && /[\w$]/.test(src[k]!)) k++;
      push('id', src.slice(i, k), line);
      i = k;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let k = i + 1;
      while (k < n && /[\w.]/.test(src[k]!)) k++;
      push('num', src.slice(i, k), line);
      i = k;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      push('op', op, line);
      i += op.length;
      continue;
    }
    push('op', c, line);
    i++;
  }
  return toks;
}

/** Operators that cannot end a statement: a newline after them continues it. */
const CONTINUES = new Set([',', '(', '[', '=', '+', '-', '*', '/', '&&', '||', '?', ':', '.', '?.', '->', '==', '!=', '<', '>', '<=', '>=', '=~', '==~', '+=', '-=', '?:', '*.']);
/** A line starting with these continues the previous statement. */
const LEADS = new Set(['.', '?.', '?:', '&&', '||', '*.']);
const AFTER_BLOCK = new Set(['else', 'catch', 'finally']);

/** Groups tokens into statements; every `{ ... }` becomes a `block` token holding its own statements. */
export function parseStatements(toks: Tok[]): Stmt[] {
  let pos = 0;
  const nextSignificant = (from: number): Tok | undefined => {
    for (let k = from; k < toks.length; k++) if (toks[k]!.t !== 'nl') return toks[k];
    return undefined;
  };
  const block = (): Stmt[] => {
    const stmts: Stmt[] = [];
    let cur: Tok[] = [];
    let depth = 0;
    const end = (): void => {
      if (cur.length > 0) stmts.push({ toks: cur, line: cur[0]!.line });
      cur = [];
      depth = 0;
    };
    while (pos < toks.length) {
      const tok = toks[pos]!;
      if (tok.t === 'nl') {
        pos++;
        if (cur.length === 0 || depth > 0) continue;
        const last = cur[cur.length - 1]!;
        const next = nextSignificant(pos);
        if (last.t === 'op' && CONTINUES.has(last.v)) continue;
        if (next && next.t === 'op' && LEADS.has(next.v)) continue;
        if (last.t === 'block' && next && next.t === 'id' && AFTER_BLOCK.has(next.v)) continue;
        end();
        continue;
      }
      if (tok.t === 'op' && tok.v === ';' && depth === 0) {
        pos++;
        end();
        continue;
      }
      if (tok.t === 'op' && tok.v === '{') {
        pos++;
        const inner = block();
        cur.push({ t: 'block', v: '{}', line: tok.line, block: inner });
        continue;
      }
      if (tok.t === 'op' && tok.v === '}') {
        // Closes the enclosing block (the caller consumes it); stray ones at top level are skipped.
        end();
        pos++;
        return stmts;
      }
      if (tok.t === 'op' && (tok.v === '(' || tok.v === '[')) depth++;
      if (tok.t === 'op' && (tok.v === ')' || tok.v === ']')) depth = Math.max(0, depth - 1);
      cur.push(tok);
      pos++;
    }
    end();
    return stmts;
  };
  const all: Stmt[] = [];
  while (pos < toks.length) all.push(...block());
  return all;
}

export function parseGroovy(src: string): Stmt[] {
  return parseStatements(tokenize(src));
}
