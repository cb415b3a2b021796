/**
 * How a service's image is built: Dockerfiles (read as the Docker builder would: continuation lines, parser
 * directives, heredocs, ARG defaults in FROM, stages built on earlier stages) and builds without a Dockerfile
 * (Jib, Cloud Native Buildpacks, ko).
 */
import type { Dockerfile, Evidence, Finding, ServiceScan } from '../model/scan.js';
import { baseName, folderOf, LineIndex, repoIndex, shorten, type RepoFiles } from './files.js';
import { isTestFolder, ownFiles } from './services.js';
import { keyPath, pomChain, readJson, readToml, stripComments } from './stack.js';

/** `Dockerfile`, `Containerfile`, `api.Dockerfile`, `Dockerfile.prod` (not `Dockerfile.dockerignore`). */
export function isDockerfileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.endsWith('.dockerignore')) return false;
  return lower === 'dockerfile' || lower === 'containerfile' || lower.endsWith('.dockerfile') || lower.startsWith('dockerfile.') || lower.startsWith('containerfile.');
}

/** One build stage: from its FROM to the next. */
export interface DockerStage {
  /** The `AS` name as written, or null. */
  name: string | null;
  /** The FROM image with ARG defaults substituted; an ARG without a default stays as written (`${BASE}`). */
  image: string;
  /** The image still holds a variable that has no default. */
  unresolved: boolean;
  line: number;
  excerpt: string;
  /** The earlier stage this one builds on (`FROM build`), by index. */
  parent: number | null;
  /** USER instructions in order; `user` is null when it names a variable without a default. */
  users: Array<{ user: string | null; line: number; excerpt: string }>;
  healthchecks: Array<{ none: boolean; line: number; excerpt: string }>;
  env: Map<string, string>;
  args: Map<string, string | null>;
}

export interface ParsedDockerfile {
  stages: DockerStage[];
  /** Stage indexes from the first base image to the final stage, in build order. */
  finalChain: number[];
}

const VARIABLE = /\\\$|\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}\n]{0,256}))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Substitutes `$X`, `${X}`, `${X:-default}`, `${X:+alt}`; `lookup` gives undefined for unknown variables. */
function substitute(s: string, lookup: (name: string) => string | null | undefined): { value: string; unresolved: boolean } {
  let unresolved = false;
  const value = s.replace(VARIABLE, (whole, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    if (whole === '\\$') return '$';
    const name = braced ?? bare!;
    const v = lookup(name);
    const set = v !== undefined && v !== null && (op?.startsWith(':') ? v !== '' : true);
    if (op?.endsWith('-')) return set ? v! : word ?? '';
    if (op?.endsWith('+')) return set ? word ?? '' : '';
    if (!set) {
      unresolved = true;
      return whole;
    }
    return v!;
  });
  return { value, unresolved };
}

/** `K=V K2="V 2"` or the legacy `K V` form. */
function keyValues(args: string, legacy: boolean): Array<[string, string | null]> {
  const tokens = args.match(/(?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+/g) ?? [];
  if (legacy && tokens.length > 0 && !tokens[0]!.includes('=')) {
    return [[tokens[0]!, unquote(args.slice(args.indexOf(tokens[0]!) + tokens[0]!.length).trim())]];
  }
  return tokens.map((t) => {
    const eq = t.indexOf('=');
    return eq === -1 ? [t, null] : [t.slice(0, eq), unquote(t.slice(eq + 1))];
  });
}

function unquote(s: string): string {
  return s.replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g, (_m, d: string | undefined, q: string | undefined) => (d !== undefined ? d.replace(/\\(.)/g, '$1') : q ?? ''));
}

/** A Dockerfile's stages, each with its base, users and health checks. Never throws; odd lines are skipped. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let escape = '\\';
  // Parser directives: only at the very top, before any other line.
  for (const l of lines) {
    const m = /^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(l);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  const globalArgs = new Map<string, string | null>();
  const stages: DockerStage[] = [];
  const heredocs: Array<{ word: string; strip: boolean }> = [];
  let logical = '';
  let start = 0;
  const excerptOf = (from: number, to: number) => shorten(lines.slice(from, to + 1).join(' '));

  const handle = (instr: string, line: number, excerpt: string) => {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(instr.trim());
    if (!m) return;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    const stage = stages[stages.length - 1];
    if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
      for (const h of args.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) heredocs.push({ word: h[3]!, strip: h[1] === '-' });
      return;
    }
    if (keyword === 'ARG') {
      for (const [k, v] of keyValues(args, false)) {
        if (!stage) globalArgs.set(k, v);
        else stage.args.set(k, v ?? globalArgs.get(k) ?? null);
      }
      return;
    }
    if (keyword === 'FROM') {
      const tokens = args.split(/\s+/).filter((t) => !t.startsWith('--'));
      const raw = tokens[0] ?? '';
      const name = tokens[1]?.toLowerCase() === 'as' ? tokens[2] ?? null : null;
      const { value, unresolved } = substitute(raw, (k) => globalArgs.get(k));
      const parentIndex = stages.findIndex((s) => s.name !== null && s.name.toLowerCase() === value.toLowerCase());
      stages.push({
        name,
        image: value,
        unresolved,
        line,
        excerpt,
        parent: parentIndex === -1 ? null : parentIndex,
        users: [],
        healthchecks: [],
        env: new Map(),
        args: new Map(),
      });
      return;
    }
    if (!stage) return;
    if (keyword === 'ENV') {
      for (const [k, v] of keyValues(args, true)) {
        if (v !== null) stage.env.set(k, substitute(v, (n) => lookupIn(stages, stages.length - 1, n)).value);
      }
    } else if (keyword === 'USER') {
      const { value, unresolved } = substitute(args, (n) => lookupIn(stages, stages.length - 1, n));
      stage.users.push({ user: unresolved || value === '' ? null : value, line, excerpt });
    } else if (keyword === 'HEALTHCHECK') {
      stage.healthchecks.push({ none: /^NONE\b/i.test(args), line, excerpt });
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (heredocs.length > 0) {
      const h = heredocs[0]!;
      if ((h.strip ? raw.replace(/^\t+/, '') : raw) === h.word) heredocs.shift();
      continue;
    }
    const trimmed = raw.trim();
    if (logical === '') {
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      start = i;
    } else if (trimmed.startsWith('#') || trimmed === '') {
      continue;
    }
    const body = raw.trimEnd();
    if (body.endsWith(escape)) {
      logical += `${body.slice(0, -1)} `;
      if (i < lines.length - 1) continue;
    } else {
      logical += body;
    }
    handle(logical, start + 1, excerptOf(start, i));
    logical = '';
  }

  const finalChain: number[] = [];
  const seen = new Set<number>();
  for (let s: number | null = stages.length - 1; s !== null && s >= 0 && !seen.has(s); s = stages[s]!.parent) {
    seen.add(s);
    finalChain.unshift(s);
  }
  return { stages, finalChain };
}

/** A variable as seen inside stage `at`: its ENV (also inherited from the stages it builds on), then its ARGs. */
function lookupIn(stages: DockerStage[], at: number, name: string): string | null | undefined {
  for (let s: number | null = at, hops = 0; s !== null && hops < 100; s = stages[s]!.parent, hops++) {
    const env = stages[s]!.env.get(name);
    if (env !== undefined) return env;
    if (s === at && stages[s]!.args.has(name)) return stages[s]!.args.get(name);
  }
  return undefined;
}

/**
 * Pinned: a digest, or a tag other than `latest` that contains a digit (`node:20.11-alpine`, not `node:lts`);
 * `scratch` is pinned (it has no content to change).
 */
export function isPinnedImage(image: string): boolean {
  if (image === 'scratch') return true;
  if (image.includes('$')) return false;
  if (/@sha256:[0-9a-f]{64}$/i.test(image) || /@[a-z0-9]+:[0-9a-f]{32,}$/i.test(image)) return true;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > lastSlash ? image.slice(colon + 1) : '';
  return tag !== '' && tag !== 'latest' && /\d/.test(tag);
}

/** `root`, `0`, `root:root`, `0:0` run as root; a user part other than those does not. */
function isRootUser(user: string): boolean {
  const name = user.split(':')[0]!.trim();
  return name === 'root' || name === '0';
}

/** distroless `:nonroot` tags run as uid 65532 when no USER says otherwise (GoogleContainerTools/distroless). */
const DISTROLESS_NONROOT = /^gcr\.io\/distroless\/[^:@]+:(?:[\w.-]*-)?nonroot(?:@sha256:[0-9a-f]+)?$/;

/** The model's view of one Dockerfile. */
export function dockerfileFacts(file: string, parsed: ParsedDockerfile): Dockerfile {
  const chain = parsed.finalChain.map((i) => parsed.stages[i]!);
  const evidence: Evidence[] = [];
  if (chain.length === 0) {
    return { file, baseImages: [], pinnedBase: false, nonRootFinalStage: null, evidence: [{ file, excerpt: 'no FROM instruction' }] };
  }
  const root = chain[0]!;
  const last = chain[chain.length - 1]!;
  evidence.push({ file, line: last.line, excerpt: last.excerpt });
  if (root !== last) evidence.push({ file, line: root.line, excerpt: root.excerpt });
  const users = chain.flatMap((s) => s.users);
  const lastUser = users[users.length - 1];
  let nonRoot: boolean | null;
  if (lastUser) {
    nonRoot = lastUser.user === null ? null : !isRootUser(lastUser.user);
    evidence.push({ file, line: lastUser.line, excerpt: lastUser.excerpt });
  } else if (DISTROLESS_NONROOT.test(root.image)) {
    nonRoot = true;
  } else {
    nonRoot = false;
  }
  return {
    file,
    baseImages: chain.map((s) => ({ image: s.image, line: s.line, stage: s.name })),
    pinnedBase: !root.unresolved && isPinnedImage(root.image),
    nonRootFinalStage: nonRoot,
    evidence,
  };
}

/** The parsed Dockerfile at `path` (memoised), or null when it cannot be read. */
export function readDockerfile(files: RepoFiles, path: string): ParsedDockerfile | null {
  return repoIndex(files).memo(`docker:${path}`, () => {
    const text = files.read(path);
    return text === null ? null : parseDockerfile(text);
  });
}

/** HEALTHCHECK instructions in the final stage (and the stages it builds on); `HEALTHCHECK NONE` turns them off. */
export function dockerHealthchecks(file: string, parsed: ParsedDockerfile): Evidence[] {
  const checks = parsed.finalChain.flatMap((i) => parsed.stages[i]!.healthchecks);
  const last = checks[checks.length - 1];
  return last && !last.none ? [{ file, line: last.line, excerpt: last.excerpt }] : [];
}

const SCRIPT_FILE = /(^|\/)(?:Makefile|GNUmakefile|[^/]+\.mk|[^/]+\.sh|[^/]+\.bash|justfile|Justfile|Taskfile\.ya?ml)$/;

/** Builds without a Dockerfile that the service's build files and scripts configure. */
export function detectImageBuilders(files: RepoFiles, folder: string): Array<Finding<'buildpacks' | 'jib' | 'ko'>> {
  const found = new Map<'buildpacks' | 'jib' | 'ko', Evidence[]>();
  const add = (name: 'buildpacks' | 'jib' | 'ko', ev: Evidence) => {
    let list = found.get(name);
    if (!list) found.set(name, (list = []));
    if (!list.some((e) => e.file === ev.file && e.line === ev.line)) list.push(ev);
  };
  for (const p of ownFiles(files, folder)) {
    if (isTestFolder(folderOf(p))) continue;
    const name = baseName(p);
    if (name === 'pom.xml') {
      for (const pom of pomChain(files, p)) {
        for (const plugin of pom.plugins) {
          if (plugin.artifactId === 'jib-maven-plugin') add('jib', { file: pom.path, line: plugin.line, excerpt: pom.lines.excerpt(plugin.line) });
          const goal = plugin.artifactId === 'spring-boot-maven-plugin' ? /<goal>[ \t\r\n]*build-image(?:-no-fork)?[ \t\r\n]*<\/goal>/.exec(plugin.xml) : null;
          if (goal) {
            const line = pom.lines.lineAt(plugin.offset + goal.index);
            add('buildpacks', { file: pom.path, line, excerpt: pom.lines.excerpt(line) });
          }
        }
      }
    } else if (name === 'build.gradle' || name === 'build.gradle.kts') {
      const text = files.read(p);
      if (text === null) continue;
      const clean = stripComments(text, 'c');
      const lines = new LineIndex(text);
      const jib = /com\.google\.cloud\.tools\.jib/.exec(clean);
      if (jib) add('jib', { file: p, line: lines.lineAt(jib.index), excerpt: lines.excerpt(lines.lineAt(jib.index)) });
      const boot = /\bbootBuildImage\b/.exec(clean);
      if (boot) add('buildpacks', { file: p, line: lines.lineAt(boot.index), excerpt: lines.excerpt(lines.lineAt(boot.index)) });
    } else if (name === 'project.toml') {
      const entry = (readToml(files, p) ?? []).find((e) => e.table === '_' || e.table.startsWith('io.buildpacks'));
      if (entry) add('buildpacks', { file: p, line: entry.tableLine, excerpt: `[${entry.table}]` });
    } else if (name === '.ko.yaml' || name === '.ko.yml') {
      add('ko', { file: p });
    } else if (name === 'package.json') {
      const json = readJson(files, p);
      const scripts = (json?.value as { scripts?: unknown } | undefined)?.scripts;
      if (!json || typeof scripts !== 'object' || scripts === null) continue;
      for (const [script, command] of Object.entries(scripts)) {
        if (typeof command !== 'string') continue;
        const line = json.keyLine.get(keyPath('scripts', script));
        const ev: Evidence = line ? { file: p, line, excerpt: json.lines.excerpt(line) } : { file: p, excerpt: shorten(command) };
        if (/\bpack\s+build\b/.test(command)) add('buildpacks', ev);
        if (/\bko\s+(?:build|apply|resolve|publish)\b/.test(command)) add('ko', ev);
      }
    } else if (SCRIPT_FILE.test(p)) {
      const text = files.read(p);
      if (text === null || !/\b(?:pack|ko)\s/.test(text)) continue;
      const clean = stripComments(text, 'hash', 'keep');
      const lines = new LineIndex(text);
      for (const m of clean.matchAll(/(?:^|[\s;&|(`])(pack\s+build|ko\s+(?:build|apply|resolve|publish))\b/gm)) {
        const line = lines.lineAt(m.index + m[0].indexOf(m[1]!));
        add(m[1]!.startsWith('pack') ? 'buildpacks' : 'ko', { file: p, line, excerpt: lines.excerpt(line) });
      }
    }
  }
  return [...found].map(([name, evidence]) => ({ name, evidence }));
}

/** Dockerfiles and image builders of one service folder. */
export function scanContainers(files: RepoFiles, folder: string): ServiceScan['container'] {
  const dockerfiles: Dockerfile[] = [];
  for (const p of ownFiles(files, folder)) {
    // A Dockerfile among test fixtures builds no image of the service.
    if (!isDockerfileName(baseName(p)) || isTestFolder(folderOf(p))) continue;
    const parsed = readDockerfile(files, p);
    if (parsed) dockerfiles.push(dockerfileFacts(p, parsed));
  }
  return { dockerfiles, builders: detectImageBuilders(files, folder) };
}
