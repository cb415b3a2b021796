/** A table's own entry (never one inherited from Object.prototype: a command may be called `constructor`). */
export function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Repository-relative folders as CI steps name them: `.` is the root, never a leading `./` or trailing `/`. */

/** Prefixes CI systems use for the checkout folder; a path under one of them is a repository path. */
const ROOT_PREFIXES: RegExp[] = [
  /^\$\{\{\s*github\.workspace\s*\}\}/,
  /^\$\{?GITHUB_WORKSPACE\}?/,
  /^\$\{?CI_PROJECT_DIR\}?/,
  /^\$\{?WORKSPACE\}?/,
  /^\$\(System\.DefaultWorkingDirectory\)/i,
  /^\$\(Build\.SourcesDirectory\)/i,
  /^\$\(Build\.Repository\.LocalPath\)/i,
  /^\$\{?BUILD_SOURCESDIRECTORY\}?/,
  /^\$\{?SYSTEM_DEFAULTWORKINGDIRECTORY\}?/,
  /^\$\{?TRAVIS_BUILD_DIR\}?/,
  /^\$\{?CIRCLE_WORKING_DIRECTORY\}?/,
  /^~\/project(?=\/|$)/,
  /^\/workspace(?=\/|$)/,
];
const CURRENT_PREFIXES: RegExp[] = [/^\$\{?PWD\}?/, /^\$\(pwd\)/, /^`pwd`/];

/**
 * Resolves a folder written in a CI file or script against the current folder: null when it cannot be told
 * (a variable, an absolute path outside the checkout, `..` above the root).
 */
export function resolveDir(cwd: string | null, written: string): string | null {
  let p = written.trim();
  if (p === '') return cwd;
  let base: string | null = cwd;
  let anchored = false;
  for (const re of ROOT_PREFIXES) {
    const m = re.exec(p);
    if (m) {
      p = p.slice(m[0].length);
      base = '.';
      anchored = true;
      break;
    }
  }
  if (!anchored) {
    for (const re of CURRENT_PREFIXES) {
      const m = re.exec(p);
      if (m) {
        p = p.slice(m[0].length);
        anchored = true;
        break;
      }
    }
  }
  if (anchored) {
    if (p !== '' && !p.startsWith('/')) return null;
    p = p.replace(/^\/+/, '');
  } else if (p.startsWith('/') || p.startsWith('~')) {
    return null;
  }
  if (/[$`*?{}]/.test(p)) return null;
  if (base === null) return null;
  return joinDir(base, p);
}

/** `base` joined with a relative path, `.`/`..` resolved; null above the root. */
export function joinDir(base: string, rel: string): string | null {
  const parts = base === '.' || base === '' ? [] : base.split('/');
  for (const seg of rel.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/**
 * Folders whose CI files are test data or templates for other repositories, not this repository's pipelines
 * (a scanner's own fixtures, a golden path's `skeleton/`). Only files that may live anywhere are filtered.
 */
const NOT_PIPELINES = new Set(['fixtures', '__fixtures__', 'testdata', 'test-data', 'test-fixtures', 'testfixtures', 'skeleton']);

export function isPipelineLocation(path: string): boolean {
  const parts = path.split('/');
  parts.pop();
  return !parts.some((p) => NOT_PIPELINES.has(p));
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

export function inDir(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/** `dir` is `folder` or inside it. */
export function isWithinDir(dir: string, folder: string): boolean {
  return folder === '.' || dir === folder || dir.startsWith(`${folder}/`);
}

/**
 * Compiles a path filter glob (GitHub Actions, GitLab `changes`, Jenkins `changeset`): `**` crosses folders,
 * `*` and `?` do not, `[...]` classes and `{a,b}` alternatives. `dir/**` also matches `dir` itself.
 */
export function globToRegExp(glob: string, options: { caseInsensitive?: boolean } = {}): RegExp {
  let re = '';
  let i = 0;
  let braces = 0;
  const g = glob.replace(/^\.\//, '');
  while (i < g.length) {
    const c = g[i]!;
    if (c === '*') {
      if (g[i + 1] === '*') {
        const slashAfter = g[i + 2] === '/';
        const atStart = i === 0 || g[i - 1] === '/';
        if (atStart && slashAfter) {
          re += '(?:.*/)?';
          i += 3;
        } else {
          re += '.*';
          i += 2;
        }
      } else {
        re += '[^/]*';
        i++;
      }
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const end = g.indexOf(']', i + 1);
      if (end === -1) {
        re += '\\[';
        i++;
      } else {
        let cls = g.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end + 1;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
      i++;
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
      i++;
    } else if (c === ',' && braces > 0) {
      re += '|';
      i++;
    } else {
      re += c.replace(/[.+^$()|\\]/g, (m) => `\\${m}`);
      i++;
    }
  }
  while (braces-- > 0) re += ')';
  // A pattern naming a folder (`dir/**`, `dir/`) also names the folder's files.
  if (re.endsWith('/.*')) re = `${re.slice(0, -3)}(?:/.*)?`;
  else if (re.endsWith('/')) re += '.*';
  return new RegExp(`^${re}$`, options.caseInsensitive ? 'i' : '');
}
