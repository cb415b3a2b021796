import type { RepoFiles } from '../files.js';
import { inDir } from './paths.js';

/**
 * The build files a CI command hands its work to (`npm run lint` → package.json, `make test` → Makefile), read
 * once per scan.
 */
export class ProjectFiles {
  private readonly packages = new Map<string, Record<string, string> | null>();
  private readonly makefiles = new Map<string, Makefile | null>();
  private pathSet: Set<string> | null = null;

  constructor(readonly files: RepoFiles) {}

  exists(path: string): boolean {
    this.pathSet ??= new Set(this.files.paths());
    return this.pathSet.has(path);
  }

  /** The `scripts` of `<dir>/package.json`; null when there is no readable package.json there. */
  npmScripts(dir: string): Record<string, string> | null {
    const cached = this.packages.get(dir);
    if (cached !== undefined) return cached;
    let scripts: Record<string, string> | null = null;
    const path = inDir(dir, 'package.json');
    const text = this.exists(path) ? this.files.read(path) : null;
    if (text !== null) {
      try {
        const json = JSON.parse(text) as { scripts?: unknown };
        scripts = {};
        if (json && typeof json.scripts === 'object' && json.scripts !== null) {
          for (const [k, v] of Object.entries(json.scripts as Record<string, unknown>)) {
            if (typeof v === 'string') scripts[k] = v;
          }
        }
      } catch {
        scripts = null;
      }
    }
    this.packages.set(dir, scripts);
    return scripts;
  }

  /** The Makefile at `path`, or null. */
  makefile(path: string): Makefile | null {
    const cached = this.makefiles.get(path);
    if (cached !== undefined) return cached;
    const text = this.exists(path) ? this.files.read(path) : null;
    const parsed = text === null ? null : parseMakefile(text);
    this.makefiles.set(path, parsed);
    return parsed;
  }

  /** The Makefile make would pick in `dir` (GNU make's order). */
  makefileIn(dir: string): { path: string; makefile: Makefile } | null {
    for (const name of ['GNUmakefile', 'makefile', 'Makefile']) {
      const path = inDir(dir, name);
      const makefile = this.makefile(path);
      if (makefile) return { path, makefile };
    }
    return null;
  }

  read(path: string): string | null {
    return this.exists(path) ? this.files.read(path) : null;
  }
}

export interface MakeRule {
  deps: string[];
  recipe: string[];
}

export interface Makefile {
  /** The default goal: `.DEFAULT_GOAL`, else the first target that does not start with a dot. */
  defaultGoal: string | null;
  rules: Map<string, MakeRule>;
}

/**
 * Reads targets, prerequisites and recipes, with simple variables (`X = ...`, `X := ...`, `X ?= ...`) expanded
 * in recipes. Conditionals, includes, pattern rules and functions are not interpreted.
 */
export function parseMakefile(text: string): Makefile {
  const rules = new Map<string, MakeRule>();
  const vars = new Map<string, string>([['MAKE', 'make']]);
  let defaultGoal: string | null = null;
  let current: MakeRule[] = [];
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    if (raw.startsWith('\t')) {
      const cmd = raw.slice(1).trim().replace(/^[@+-]+/, '');
      if (cmd) for (const r of current) r.recipe.push(cmd);
      continue;
    }
    const line = stripMakeComment(raw);
    if (line.trim() === '') continue;
    const assign = /^\s*(?:export\s+|override\s+)?([.A-Za-z_][A-Za-z0-9_.-]*)\s*(\?=|:::=|::=|:=|\+=|!=|=)\s*(.*)$/.exec(line);
    if (assign) {
      const [, name, op, value] = assign as unknown as [string, string, string, string];
      if (name === '.DEFAULT_GOAL') defaultGoal = value.trim();
      else if (op === '?=') {
        if (!vars.has(name)) vars.set(name, value.trim());
      } else if (op === '+=') vars.set(name, `${vars.get(name) ?? ''} ${value.trim()}`.trim());
      else if (op !== '!=') vars.set(name, value.trim());
      current = [];
      continue;
    }
    const rule = /^([^:=#\t][^:=#]*?)\s*::?(?!=)\s*([^;]*)(?:;(.*))?$/.exec(line);
    if (rule) {
      const targets = rule[1]!.trim().split(/\s+/);
      const deps = rule[2]!.trim() ? rule[2]!.trim().split(/\s+/) : [];
      current = [];
      for (const t of targets) {
        if (t.includes('%') || t.includes('$')) continue;
        if (defaultGoal === null && !t.startsWith('.')) defaultGoal = t;
        if (t.startsWith('.')) continue;
        const r = rules.get(t) ?? { deps: [], recipe: [] };
        r.deps.push(...deps.filter((d) => !d.includes('%')));
        if (rule[3]?.trim()) r.recipe.push(rule[3].trim());
        rules.set(t, r);
        current.push(r);
      }
      continue;
    }
    current = [];
  }
  const expand = (s: string, depth = 0): string =>
    depth > 4
      ? s
      : s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (m, a?: string, b?: string) => {
          if (m === '$$') return '$';
          const v = vars.get(a ?? b ?? '');
          return v === undefined ? m : expand(v, depth + 1);
        });
  for (const r of rules.values()) {
    r.recipe = r.recipe.map((c) => expand(c));
    r.deps = r.deps.map((d) => expand(d)).flatMap((d) => d.split(/\s+/)).filter(Boolean);
  }
  return { defaultGoal, rules };
}

function stripMakeComment(line: string): string {
  const i = line.indexOf('#');
  return i === -1 ? line : line.slice(0, i);
}
