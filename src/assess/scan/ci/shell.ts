/**
 * A small POSIX-shell reader, enough to tell which programs a CI script runs: quotes, escapes, comments, line
 * continuations, `&&`/`||`/`;`/`|` lists, subshells, redirections and here-documents. It does not expand
 * variables, globs or aliases, and does not interpret control flow (`if false; then ...` still counts).
 */

export interface ShellCommand {
  /** The words with quotes removed (`"npm test"` is one word). */
  words: string[];
  /** 0-based line of the script where the command starts. */
  line: number;
  /** The command's source text, whitespace collapsed, for evidence. */
  text: string;
}

const MAX_TEXT = 160;

export function parseShell(script: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  const n = script.length;
  let i = 0;
  let line = 0;
  let words: string[] = [];
  let word: string | null = null;
  let discardNext = false;
  let cmdStart = -1;
  let cmdLine = 0;
  let cmdEnd = -1;
  const heredocs: Array<{ delim: string; strip: boolean }> = [];

  const startWord = (): void => {
    if (word === null) word = '';
    if (cmdStart < 0) {
      cmdStart = i;
      cmdLine = line;
    }
  };
  /** Appends to the current word (starting one); closures keep TypeScript from narrowing `word` wrongly. */
  const append = (text: string): void => {
    startWord();
    word = (word ?? '') + text;
  };
  const current = (): string | null => word;
  const endWord = (): void => {
    if (word !== null) {
      if (discardNext) discardNext = false;
      else words.push(word);
      cmdEnd = i;
    }
    word = null;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0 && cmdStart >= 0) {
      out.push({ words, line: cmdLine, text: collapse(script.slice(cmdStart, Math.max(cmdEnd, cmdStart))) });
    }
    words = [];
    cmdStart = -1;
    cmdEnd = -1;
    discardNext = false;
  };
  /** Reads a balanced `(...)` or `{...}` starting at i (on the opening bracket); returns the raw text. */
  const readBalanced = (open: string, close: string): string => {
    const from = i;
    let depth = 0;
    while (i < n) {
      const c = script[i]!;
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === "'" || c === '"') {
        const q = c;
        i++;
        while (i < n && script[i] !== q) {
          if (script[i] === '\\' && q === '"') i++;
          if (script[i] === '\n') line++;
          i++;
        }
        i++;
        continue;
      }
      if (c === '\n') line++;
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) {
          i++;
          return script.slice(from, i);
        }
      }
      i++;
    }
    return script.slice(from);
  };
  const skipHeredocs = (): void => {
    while (heredocs.length > 0 && i < n) {
      const { delim, strip } = heredocs[0]!;
      const eol = script.indexOf('\n', i);
      const raw = script.slice(i, eol === -1 ? n : eol);
      const body = strip ? raw.replace(/^\t+/, '') : raw;
      i = eol === -1 ? n : eol + 1;
      line++;
      if (body.trim() === delim) heredocs.shift();
    }
    heredocs.length = 0;
  };

  while (i < n) {
    const c = script[i]!;
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
        endWord();
        i++;
        break;
      case '\n':
        endCommand();
        i++;
        line++;
        if (heredocs.length > 0) skipHeredocs();
        break;
      case '\\':
        if (script[i + 1] === '\n') {
          i += 2;
          line++;
        } else if (script[i + 1] === '\r' && script[i + 2] === '\n') {
          i += 3;
          line++;
        } else {
          append(script[i + 1] ?? '');
          i += 2;
        }
        break;
      case "'": {
        const end = script.indexOf("'", i + 1);
        const stop = end === -1 ? n : end;
        const content = script.slice(i + 1, stop);
        append(content);
        line += countNewlines(content);
        i = stop + 1;
        break;
      }
      case '"': {
        startWord();
        i++;
        let content = '';
        while (i < n && script[i] !== '"') {
          const d = script[i]!;
          if (d === '\\' && i + 1 < n && '"\\$`\n'.includes(script[i + 1]!)) {
            if (script[i + 1] !== '\n') content += script[i + 1];
            else line++;
            i += 2;
            continue;
          }
          if (d === '\n') line++;
          content += d;
          i++;
        }
        append(content);
        i++;
        break;
      }
      case '`': {
        const end = script.indexOf('`', i + 1);
        const stop = end === -1 ? n : end;
        const content = script.slice(i, stop + 1);
        append(content);
        line += countNewlines(content);
        i = stop + 1;
        break;
      }
      case '$':
        startWord();
        if (script[i + 1] === '(') {
          i++;
          append('$' + readBalanced('(', ')'));
        } else if (script[i + 1] === '{') {
          i++;
          append('$' + readBalanced('{', '}'));
        } else {
          append(c);
          i++;
        }
        break;
      case '#':
        if (current() === null) {
          const eol = script.indexOf('\n', i);
          i = eol === -1 ? n : eol;
        } else {
          append(c);
          i++;
        }
        break;
      case ';':
        endCommand();
        i++;
        break;
      case '&':
        if (script[i + 1] === '>') {
          endWord();
          i += 2;
          if (script[i] === '>') i++;
          discardNext = true;
        } else {
          endCommand();
          i += script[i + 1] === '&' ? 2 : 1;
        }
        break;
      case '|':
        endCommand();
        i += script[i + 1] === '|' || script[i + 1] === '&' ? 2 : 1;
        break;
      case '(':
        if (current()?.endsWith('=')) {
          append(readBalanced('(', ')'));
        } else {
          endCommand();
          i++;
        }
        break;
      case ')':
        endCommand();
        i++;
        break;
      case '<':
      case '>': {
        if (c === '<' && script[i + 1] === '<' && script[i + 2] !== '<') {
          endWord();
          i += 2;
          let strip = false;
          if (script[i] === '-') {
            strip = true;
            i++;
          }
          while (script[i] === ' ' || script[i] === '\t') i++;
          const m = /^(['"]?)([^\s'";&|<>()]+)\1/.exec(script.slice(i, i + 200));
          if (m) {
            heredocs.push({ delim: m[2]!, strip });
            i += m[0].length;
          }
          break;
        }
        const pending = current();
        if (pending !== null && /^\d+$/.test(pending)) word = null;
        else endWord();
        i++;
        while (i < n && '<>|&'.includes(script[i]!)) i++;
        if (script[i - 1] === '&' && /[\d-]/.test(script[i] ?? '')) {
          while (i < n && /[\d-]/.test(script[i]!)) i++;
        } else {
          discardNext = true;
        }
        break;
      }
      default:
        append(c);
        i++;
    }
  }
  endCommand();
  return out;
}

function countNewlines(s: string): number {
  let k = 0;
  for (let j = 0; j < s.length; j++) if (s.charCodeAt(j) === 10) k++;
  return k;
}

function collapse(s: string): string {
  const t = s.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT - 3)}...` : t;
}
