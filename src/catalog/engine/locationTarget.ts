import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/errors.js';
import type { LocationType } from '../../store/schema.js';

/** Files a directory location reads when its target names no glob. */
export const DEFAULT_DIR_GLOB = '**/*.{yaml,yml}';
/** The file a git location reads when its target names no path. */
export const DEFAULT_GIT_PATH = 'catalog-info.yaml';

/** A location target, taken apart. Paths are absolute; a git `url` is as the user wrote it (without `#...`). */
export type ParsedTarget =
  | { type: 'file'; path: string }
  | { type: 'dir'; path: string; glob: string }
  | { type: 'git'; url: string; ref: string | null; glob: string };

/** `scheme://...` or scp-like `user@host:path`: both are handed to git as they are. */
export function isRemoteUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);
}

function splitFragment(target: string): { base: string; fragment: string | null } {
  const i = target.indexOf('#');
  return i === -1 ? { base: target, fragment: null } : { base: target.slice(0, i), fragment: target.slice(i + 1) };
}

function isBareRepo(dir: string): boolean {
  return existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'));
}

/** A glob or path inside a source must stay inside it: no absolute paths, no `..` segments. */
function checkRelativeGlob(glob: string, field: string): string {
  const g = glob.trim();
  if (g === '' || isAbsolute(g) || g.split(/[\\/]/).includes('..') || g.startsWith('-')) {
    throw new InputError(`${field}: expected a relative path or glob inside the source, found ${JSON.stringify(glob)}`, {
      problems: [{ code: 'invalid_target', path: field, message: `expected a relative path or glob inside the source, found ${JSON.stringify(glob)}`, severity: 'error' }],
    });
  }
  return g;
}

/** Branch and tag names git accepts, minus anything that could be read as an option. */
const REF_RE = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}$/;

/**
 * Splits a git fragment: `ref:glob`, or only one of them. Without a colon, something that looks like a path
 * (a slash, a glob character, a .yaml/.yml ending) is the glob, anything else the ref.
 */
function parseGitFragment(fragment: string | null): { ref: string | null; glob: string } {
  if (fragment === null || fragment === '') return { ref: null, glob: DEFAULT_GIT_PATH };
  const colon = fragment.indexOf(':');
  let ref: string | null;
  let glob: string;
  if (colon !== -1) {
    ref = fragment.slice(0, colon) || null;
    glob = fragment.slice(colon + 1) || DEFAULT_GIT_PATH;
  } else if (/[/*?{[]|\.ya?ml$/i.test(fragment)) {
    ref = null;
    glob = fragment;
  } else {
    ref = fragment;
    glob = DEFAULT_GIT_PATH;
  }
  if (ref !== null && !REF_RE.test(ref)) {
    throw new InputError(`target: expected a git branch or tag name after '#', found ${JSON.stringify(ref)}`, {
      problems: [{ code: 'invalid_target', path: 'target', message: `expected a git branch or tag name, found ${JSON.stringify(ref)}`, severity: 'error' }],
    });
  }
  return { ref, glob: checkRelativeGlob(glob, 'target') };
}

function fail(message: string): never {
  throw new InputError(`target: ${message}`, {
    problems: [{ code: 'invalid_target', path: 'target', message, severity: 'error' }],
  });
}

/**
 * Reads a location target, inferring its type when not given: a URL, a path ending in `.git` or a bare
 * repository is `git`; an existing directory is `dir`; an existing file is `file`. Local paths become
 * absolute (relative to `cwd`). Returns the parsed form and the canonical target string stored on the row.
 */
export function parseLocationTarget(
  target: string,
  type?: LocationType,
  cwd: string = process.cwd(),
): { parsed: ParsedTarget; canonical: string } {
  const raw = target.trim();
  if (raw === '') fail('expected a file path, a directory path or a git URL, found an empty string');
  if (raw.startsWith('-')) fail(`expected a file path, a directory path or a git URL, found ${JSON.stringify(raw)}`);
  const { base, fragment } = splitFragment(raw);
  const remote = isRemoteUrl(base);
  const localPath = remote ? null : base.startsWith('file://') ? fileURLToPath(base) : resolve(cwd, base);

  let kind: LocationType | undefined = type;
  if (!kind) {
    if (remote || base.endsWith('.git')) kind = 'git';
    else if (localPath && existsSync(localPath)) {
      const st = statSync(localPath);
      if (st.isDirectory()) kind = isBareRepo(localPath) ? 'git' : 'dir';
      else kind = 'file';
    } else {
      fail(`expected an existing file or directory, or a git URL, found ${JSON.stringify(raw)} (no such file or directory)`);
    }
  }

  switch (kind) {
    case 'file': {
      if (remote || !localPath) fail(`a file location needs a local path, found ${JSON.stringify(raw)}`);
      if (fragment !== null) fail(`a file location takes no '#' part, found ${JSON.stringify(raw)}`);
      return { parsed: { type: 'file', path: localPath }, canonical: localPath };
    }
    case 'dir': {
      if (remote || !localPath) fail(`a dir location needs a local path, found ${JSON.stringify(raw)}`);
      const glob = fragment ? checkRelativeGlob(fragment, 'target') : DEFAULT_DIR_GLOB;
      return { parsed: { type: 'dir', path: localPath, glob }, canonical: fragment ? `${localPath}#${glob}` : localPath };
    }
    case 'git': {
      const url = remote ? base : (localPath ?? base);
      const { ref, glob } = parseGitFragment(fragment);
      return { parsed: { type: 'git', url, ref, glob }, canonical: fragment ? `${url}#${fragment}` : url };
    }
    default:
      return fail(`expected type file, dir or git, found ${JSON.stringify(kind)}`);
  }
}

/**
 * Parses a git location target string as stored (canonical); never infers.
 */
export function parseStoredTarget(type: LocationType, target: string): ParsedTarget {
  return parseLocationTarget(target, type).parsed;
}

/**
 * A comparable form of a repository address, so a push to `git@host:org/repo.git` finds a location
 * registered as `https://host/org/repo`: host lower-cased, credentials, port-less scheme, trailing `/` and
 * `.git` dropped; local paths made absolute.
 */
export function normalizeRepoUrl(urlOrPath: string, cwd: string = process.cwd()): string {
  let s = splitFragment(urlOrPath.trim()).base;
  const scp = /^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)(.*)$/.exec(s);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    try {
      const u = new URL(s);
      if (u.protocol === 'file:') s = fileURLToPath(u);
      else s = `${u.hostname.toLowerCase()}${u.port ? `:${u.port}` : ''}${decodeURIComponent(u.pathname)}`;
    } catch {
      // Not a URL after all: compare it as written.
    }
  } else if (scp && !isAbsolute(s) && scp[1] && scp[1].length > 1) {
    s = `${scp[1].toLowerCase()}/${scp[2] ?? ''}`;
  } else {
    s = resolve(cwd, s);
  }
  return s.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/**
 * GitHub and GitLab "blob" / "tree" web addresses of a file, as Backstage Location entities use them
 * (`https://github.com/org/repo/blob/main/path/file.yaml`), turned into the repository, ref and path.
 */
export function parseForgeFileUrl(url: string): { url: string; ref: string; path: string } | null {
  const m = /^(https?:\/\/[^/]+\/.+?)(?:\/-)?\/(?:blob|tree)\/([^/]+)\/(.+)$/.exec(url);
  if (!m || !m[1] || !m[2] || !m[3]) return null;
  const repo = m[1].endsWith('.git') ? m[1] : `${m[1]}.git`;
  return { url: repo, ref: m[2], path: m[3].split(/[?#]/)[0] ?? m[3] };
}
