import { globToRegExp } from './paths.js';
import type { PathFilter } from './types.js';

/**
 * GitHub Actions `paths` / `paths-ignore`: patterns are read in order and the last one that matches decides, a
 * `!` pattern excluding what earlier ones included
 * (https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions#onpushpull_requestpull_request_targetpathspaths-ignore).
 */
export function orderedGlobs(patterns: string[], options: { caseInsensitive?: boolean } = {}): PathFilter {
  const compiled = patterns.map((p) => {
    const negated = p.startsWith('!');
    return { negated, re: globToRegExp(negated ? p.slice(1) : p, options) };
  });
  const filter: PathFilter = (path) => {
    let matched = false;
    for (const c of compiled) if (c.re.test(path)) matched = !c.negated;
    return matched;
  };
  if (!options.caseInsensitive) filter.under = underAny(patterns.filter((p) => !p.startsWith('!')));
  return filter;
}

/** The folders a glob's literal start confines it to (`services/api/**` → `services/api/`). */
function underAny(globs: string[]): (dir: string) => boolean {
  const prefixes = globs.map((g) => {
    const clean = g.replace(/^\.\//, '');
    const wild = clean.search(/[*?[{]/);
    const literal = wild === -1 ? clean : clean.slice(0, wild);
    return literal.slice(0, literal.lastIndexOf('/') + 1);
  });
  return (dir) => {
    const folder = `${dir}/`;
    return prefixes.some((p) => folder.startsWith(p) || p.startsWith(folder));
  };
}

export function pathsFilter(include: string[] | null, ignore: string[] | null): PathFilter {
  const inc = include ? orderedGlobs(include) : null;
  const exc = ignore ? orderedGlobs(ignore) : null;
  const filter: PathFilter = (path) => (inc ? inc(path) : true) && !(exc ? exc(path) : false);
  if (inc?.under) filter.under = inc.under;
  return filter;
}

export function anyOf(filters: PathFilter[]): PathFilter {
  const filter: PathFilter = (path) => filters.some((f) => f(path));
  if (filters.every((f) => f.under)) filter.under = (dir) => filters.some((f) => f.under!(dir));
  return filter;
}

/** Python-style full-match regular expressions (the CircleCI path-filtering orb's mapping). */
export function regexFilter(patterns: string[]): PathFilter {
  const res: RegExp[] = [];
  for (const p of patterns) {
    try {
      res.push(new RegExp(`^(?:${p})$`));
    } catch {
      // A pattern JavaScript cannot read: treat it as matching anything rather than hiding a pipeline.
      res.push(/^/);
    }
  }
  return (path) => res.some((r) => r.test(path));
}

/** Azure Pipelines path filters: a path is a prefix (folder or file), wildcards allowed. */
export function prefixFilter(include: string[], exclude: string[]): PathFilter {
  const compile = (p: string): RegExp => {
    const clean = p.replace(/^\/+/, '').replace(/\/+$/, '');
    if (clean === '' || clean === '*') return /^/;
    return /[*?[]/.test(clean) ? globToRegExp(clean) : new RegExp(`^${clean.replace(/[.+?^${}()|[\]\\]/g, '\\$&')}(?:/|$)`);
  };
  const inc = include.map(compile);
  const exc = exclude.map(compile);
  return (path) => (inc.length === 0 || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path));
}
