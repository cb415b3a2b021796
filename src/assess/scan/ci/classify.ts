import { STEP_KINDS, type StepKind } from '../../model/scan.js';
import type { RepoFiles } from '../files.js';
import { own, resolveDir } from './paths.js';
import { ProjectFiles } from './projectFiles.js';
import { parseShell } from './shell.js';

/**
 * What a CI command does, by the program it runs and its arguments: word by word (so `myjest` is not jest),
 * never in comments or `echo` text. Commands that hand their work to the repository's own build files are
 * followed there: `npm run lint` reads the script in the package.json of the folder it runs in, `make test` the
 * Makefile's recipe, `./scripts/ci.sh` the script. Unrecognised commands have no kind.
 */

/** One command of a script, with what it does and where it runs. */
export interface CommandFact {
  kinds: StepKind[];
  /** 0-based line within the script. */
  line: number;
  text: string;
  /** The repository folder it runs in; null when it cannot be told. */
  dir: string | null;
  /** False for commands that only move around or print (`cd`, `echo`): their folder says nothing. */
  located: boolean;
}

export interface ScriptFacts {
  commands: CommandFact[];
  kinds: StepKind[];
  /** The folder after the script's `cd`s (GitLab and Travis run a job's lines in one shell). */
  endDir: string | null;
}

const MAX_DEPTH = 6;
const NONE: StepKind[] = [];

/** Kinds in the model's order, without duplicates. */
export function orderKinds(kinds: Iterable<StepKind>): StepKind[] {
  const set = new Set(kinds);
  return STEP_KINDS.filter((k) => set.has(k));
}

interface Cmd {
  name: string;
  /** The first word as written (`./gradlew`, `/kaniko/executor`). */
  word: string;
  args: string[];
  cwd: string | null;
  depth: number;
}

export class Classifier {
  readonly project: ProjectFiles;
  private readonly fileCache = new Map<string, StepKind[]>();
  private readonly active = new Set<string>();

  constructor(files: RepoFiles) {
    this.project = new ProjectFiles(files);
  }

  /** Classifies a shell script that starts in `cwd`. */
  script(text: string, cwd: string | null, depth = 0): ScriptFacts {
    const commands: CommandFact[] = [];
    const kinds = new Set<StepKind>();
    let dir = cwd;
    const stack: Array<string | null> = [];
    for (const c of parseShell(text)) {
      const words = stripPrefixes(c.words);
      const name = words.length > 0 ? commandName(words[0]!) : '';
      if (name === 'cd' || name === 'pushd' || name === 'chdir' || name === 'set-location' || name === 'sl') {
        const target = words.slice(1).find((w) => !w.startsWith('-'));
        if (name === 'pushd') stack.push(dir);
        dir = target === undefined || target === '-' ? null : resolveDir(dir, target);
        commands.push({ kinds: NONE, line: c.line, text: c.text, dir, located: false });
        continue;
      }
      if (name === 'popd') {
        dir = stack.length > 0 ? stack.pop()! : null;
        commands.push({ kinds: NONE, line: c.line, text: c.text, dir, located: false });
        continue;
      }
      const result = words.length > 0 ? this.words(words, dir, depth) : { kinds: NONE, dir };
      for (const k of result.kinds) kinds.add(k);
      commands.push({ kinds: result.kinds, line: c.line, text: c.text, dir: result.dir, located: !PASSIVE.has(name) });
    }
    return { commands, kinds: orderKinds(kinds), endDir: dir };
  }

  /** Kinds of a script text, for nested scripts (package.json scripts, recipes, `sh -c`). */
  text(text: string, cwd: string | null, depth: number): StepKind[] {
    if (depth > MAX_DEPTH) return NONE;
    return this.script(text, cwd, depth).kinds;
  }

  /** Classifies one command given as words (also used for `docker run` commands and Cloud Build args). */
  words(rawWords: string[], cwd: string | null, depth = 0): { kinds: StepKind[]; dir: string | null } {
    const words = stripPrefixes(rawWords);
    if (words.length === 0) return { kinds: NONE, dir: cwd };
    const first = words[0]!;
    const cmd: Cmd = { name: commandName(first), word: first, args: words.slice(1), cwd, depth };
    const dirFlag = own(DIR_FLAGS, cmd.name);
    let dir = cwd;
    if (dirFlag) {
      const d = flagValue(cmd.args, dirFlag);
      if (d !== undefined) dir = resolveDir(cwd, d);
      cmd.cwd = dir;
    }
    return { kinds: orderKinds(this.dispatch(cmd)), dir };
  }

  private dispatch(c: Cmd): StepKind[] {
    if (c.depth > MAX_DEPTH) return NONE;
    // `eval "npm test"` and quoted whole commands arrive as one word.
    if (/\s/.test(c.word.trim())) return this.text([c.word, ...c.args].join(' '), c.cwd, c.depth + 1);
    const rule = own(RULES, c.name);
    if (rule) return rule(c, this);
    const simple = own(SIMPLE, c.name);
    if (simple) return isHelpOrSetup(c.args) ? NONE : simple;
    if (/[\\/]/.test(c.word) || /\.(sh|bash)$/.test(c.word)) return this.scriptFile(c.word, c.cwd, c.depth);
    return NONE;
  }

  /** Kinds of a repository shell script run from `cwd` (`./scripts/test.sh`, `bash ci/build.sh`). */
  scriptFile(written: string, cwd: string | null, depth: number): StepKind[] {
    const path = resolveDir(cwd ?? '.', written);
    if (path === null || depth >= MAX_DEPTH) return NONE;
    const key = `${path}\0${cwd ?? ''}`;
    const cached = this.fileCache.get(key);
    if (cached) return cached;
    if (this.active.has(key)) return NONE;
    const text = this.project.read(path);
    if (text === null) return NONE;
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
    const interpreter = shebang ? commandName(shebang[1]!.endsWith('/env') ? (shebang[2] ?? '') : shebang[1]!) : 'sh';
    if (!['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash'].includes(interpreter)) return NONE;
    this.active.add(key);
    const kinds = this.text(text, cwd, depth + 1);
    this.active.delete(key);
    this.fileCache.set(key, kinds);
    return kinds;
  }

  /**
   * Kinds of a package.json script as `tool` runs it from `dir` (npm and yarn v1 also run `pre`/`post` scripts).
   * `found` is false when the script is not there; with no readable package.json (or an unknown folder) the
   * script's name is all there is to go by.
   */
  npmScript(tool: string, dir: string | null, name: string, depth: number): { kinds: StepKind[]; found: boolean } {
    if (dir === null) return { kinds: taskKinds(name), found: true };
    const scripts = this.project.npmScripts(dir);
    if (scripts === null) return { kinds: taskKinds(name), found: true };
    if (!Object.hasOwn(scripts, name)) return { kinds: NONE, found: false };
    const names = tool === 'npm' || tool === 'yarn' ? [`pre${name}`, name, `post${name}`] : [name];
    const kinds = new Set<StepKind>();
    for (const n of names) {
      const body = own(scripts, n);
      if (body === undefined) continue;
      const key = `npm\0${dir}\0${n}`;
      if (this.active.has(key)) continue;
      this.active.add(key);
      for (const k of this.text(body, dir, depth + 1)) kinds.add(k);
      this.active.delete(key);
    }
    return { kinds: [...kinds], found: true };
  }

  /** Script names matching an npm-run-all pattern (`test:*`, `lint:**`). */
  npmScriptNames(dir: string | null, pattern: string): string[] {
    if (!pattern.includes('*')) return [pattern];
    const scripts = dir === null ? null : this.project.npmScripts(dir);
    if (!scripts) return [pattern.replace(/[:*]+$/, '')];
    const re = new RegExp(`^${pattern.split(/(\*\*|\*)/).map((p) => (p === '**' ? '.+' : p === '*' ? '[^:]+' : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
    return Object.keys(scripts).filter((k) => re.test(k));
  }

  /** Kinds of make targets run in `dir` (the recipes and the prerequisites' recipes). */
  make(dir: string | null, makefilePath: string | undefined, targets: string[], depth: number): StepKind[] {
    const found = dir === null ? null : makefilePath ? this.loadMakefile(dir, makefilePath) : this.project.makefileIn(dir);
    if (!found) return targets.flatMap((t) => taskKinds(t, { make: true }));
    const goals = targets.length > 0 ? targets : found.makefile.defaultGoal ? [found.makefile.defaultGoal] : [];
    const kinds = new Set<StepKind>();
    const seen = new Set<string>();
    const visit = (target: string, level: number): void => {
      if (seen.has(target) || level > 8) return;
      seen.add(target);
      const rule = found.makefile.rules.get(target);
      if (!rule) return;
      for (const d of rule.deps) visit(d, level + 1);
      const key = `make\0${found.path}\0${target}`;
      if (this.active.has(key)) return;
      this.active.add(key);
      for (const line of rule.recipe) for (const k of this.text(line, dir, depth + 1)) kinds.add(k);
      this.active.delete(key);
    };
    for (const g of goals) visit(g, 0);
    return [...kinds];
  }

  private loadMakefile(dir: string, written: string): { path: string; makefile: NonNullable<ReturnType<ProjectFiles['makefile']>> } | null {
    const path = resolveDir(dir, written);
    if (path === null) return null;
    const makefile = this.project.makefile(path);
    return makefile ? { path, makefile } : null;
  }
}

/** Commands whose folder says nothing about what the step works on. */
const PASSIVE = new Set(['', 'echo', 'printf', 'export', 'set', 'unset', 'true', 'false', 'exit', ':', 'cd', 'pushd', 'popd', 'write-host', 'write-output', 'sleep', 'env', 'cat', 'ls', 'pwd', 'mkdir', 'rm', 'cp', 'mv', 'chmod', 'test', '[', '[[']);

/** The program's name: the last path segment, lower-case, without `.exe`/`.cmd`/`.bat`. */
export function commandName(word: string): string {
  const base = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  const name = base.replace(/\.(exe|cmd|bat|ps1)$/, '');
  if (name === 'mvnw') return 'mvn';
  if (name === 'gradlew') return 'gradle';
  if (name === 'dependency-check.sh') return 'dependency-check';
  if (name === 'sonar-scanner.sh') return 'sonar-scanner';
  if (name === 'python3' || name === 'python2' || name === 'py' || /^python3\.\d+$/.test(name)) return 'python';
  if (name === 'pip3') return 'pip';
  if (name === 'docker-compose' || name === 'podman-compose') return 'docker-compose';
  return name;
}

const SHELL_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time', 'exec', 'command', 'builtin', 'nohup', 'call', '&', 'sudo', 'nice', 'stdbuf', 'unbuffer', 'eval']);
const SKIP_COMMANDS = new Set(['fi', 'done', 'esac', '}', 'for', 'case', 'select', 'function', 'in', 'local', 'declare', 'readonly', 'typeset', 'return']);

/**
 * Drops what runs a command without being it: shell keywords, `VAR=value`, `sudo`, `env`, `timeout 10m`,
 * `npx`, `poetry run`, `bundle exec`, `xvfb-run`, `cross-env`, `python -m` (as the module's command).
 */
export function stripPrefixes(input: string[]): string[] {
  let w = input;
  for (let guard = 0; guard < 12 && w.length > 0; guard++) {
    const first = w[0]!;
    const name = commandName(first);
    if (SKIP_COMMANDS.has(first)) return [];
    if (SHELL_KEYWORDS.has(first) || SHELL_KEYWORDS.has(name)) {
      w = w.slice(1);
      if (name === 'sudo') w = skipFlags(w, ['-u', '--user', '-g', '--group']);
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
      w = w.slice(1);
      continue;
    }
    if (name === 'env' || name === 'cross-env' || name === 'cross-env-shell') {
      w = skipFlags(w.slice(1), ['-u', '--unset', '-C', '--chdir']);
      continue;
    }
    if (name === 'timeout') {
      w = skipFlags(w.slice(1), ['-s', '--signal', '-k', '--kill-after']).slice(1);
      continue;
    }
    if (name === 'xvfb-run') {
      w = skipFlags(w.slice(1), ['-s', '--server-args', '-n', '--server-num', '-e', '--error-file', '-f', '--auth-file', '-p', '--xauth-protocol', '-w', '--wait']);
      continue;
    }
    if (name === 'dotenv') {
      const dd = w.indexOf('--');
      w = dd >= 0 ? w.slice(dd + 1) : skipFlags(w.slice(1), ['-e', '-c', '-v']);
      continue;
    }
    if (name === 'npx' || name === 'pnpx' || name === 'bunx' || name === 'uvx' || name === 'pipx') {
      let rest = w.slice(1);
      if (name === 'pipx' && rest[0] === 'run') rest = rest.slice(1);
      w = skipFlags(rest, ['-p', '--package', '--from', '--with', '--python', '--spec', '--node-options']);
      if (w[0] !== undefined) w = [w[0].replace(/(.)@[^/]*$/, '$1'), ...w.slice(1)];
      continue;
    }
    if (name === 'nyc' || name === 'c8' || name === 'istanbul') {
      const rest = skipFlags(w.slice(1), ['--reporter', '-r', '--report-dir', '--temp-dir', '--include', '--exclude', '-n', '-x', '--extension', '-e']);
      w = rest[0] === 'cover' ? rest.slice(1) : rest;
      continue;
    }
    if ((name === 'poetry' || name === 'pipenv' || name === 'pdm' || name === 'rye' || name === 'hatch' || name === 'uv') && w[1] === 'run') {
      w = skipFlags(w.slice(2), ['--with', '--python', '-p', '--env', '-e', '--group', '--extra', '--package', '--directory', '--project']);
      continue;
    }
    if (name === 'bundle' && (w[1] === 'exec' || w[1] === 'ex')) {
      w = w.slice(2);
      continue;
    }
    if (name === 'dotnet' && w[1] === 'tool' && w[2] === 'run') {
      w = w.slice(3);
      continue;
    }
    if ((name === 'pnpm' && (w[1] === 'exec' || w[1] === 'dlx')) || (name === 'yarn' && (w[1] === 'exec' || w[1] === 'dlx')) || (name === 'bun' && w[1] === 'x') || (name === 'npm' && (w[1] === 'exec' || w[1] === 'x'))) {
      const rest = skipFlags(w.slice(2), ['-p', '--package', '-c', '--call']);
      w = rest[0] === '--' ? rest.slice(1) : rest;
      if (w[0] !== undefined) w = [w[0].replace(/(.)@[^/]*$/, '$1'), ...w.slice(1)];
      continue;
    }
    if (name === 'python' || name === 'coverage') {
      const rest = name === 'coverage' ? (w[1] === 'run' ? pythonArgs(w.slice(2), ['--source', '--rcfile', '--omit', '--include', '--data-file', '--concurrency']) : []) : pythonArgs(w.slice(1));
      if (rest[0] === '-m' && rest[1]) {
        const mod = rest[1].replace(/_/g, '-');
        w = [own(PYTHON_MODULE_COMMANDS, mod) ?? mod, ...rest.slice(2)];
        continue;
      }
      if (name === 'coverage') return [];
    }
    break;
  }
  return w;
}

/** Modules whose name is not the command's (`python -m build` is not a program called `build`). */
const PYTHON_MODULE_COMMANDS: Record<string, string> = { build: 'python-build', unittest: 'python-unittest', pip: 'pip', venv: 'python-venv' };

/** Python's own options before `-m module` or the script (`python -u -W ignore -m pytest`). */
function pythonArgs(words: string[], withValue: readonly string[] = ['-W', '-X']): string[] {
  let i = 0;
  while (i < words.length && words[i]!.startsWith('-') && words[i] !== '-m' && words[i] !== '-c') i += withValue.includes(words[i]!) ? 2 : 1;
  return words.slice(i);
}

/** Drops leading flags (and the values of the named ones). */
function skipFlags(words: string[], withValue: string[]): string[] {
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (!w.startsWith('-') || w === '-' || w === '--') break;
    if (withValue.includes(w)) i += 2;
    else i++;
  }
  return words.slice(i);
}

/** Positional arguments, skipping flags and the values of the named flags. */
function positionals(args: string[], withValue: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      if (withValue.includes(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function flagValue(args: string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (n.startsWith('--') && a.startsWith(`${n}=`)) return a.slice(n.length + 1);
      // Only make and pnpm take `-Cdir`; `-ws` is npm's "all workspaces", not `-w s`.
      if (n === '-C' && a.startsWith('-C') && a.length > 2) return a.slice(2);
    }
  }
  return undefined;
}

function hasFlag(args: string[], ...names: string[]): boolean {
  return args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

const HELP = new Set(['--version', '-v', '-V', 'version', '--help', '-h', 'help', 'install', 'init', 'login', 'logout', 'auth', 'completion', 'setup']);
function isHelpOrSetup(args: string[]): boolean {
  const p = args[0];
  return p !== undefined && HELP.has(p) && args.length <= 2;
}

/** Flags that move a command into another folder (`npm --prefix web`, `make -C api`). */
const DIR_FLAGS: Record<string, readonly string[]> = {
  npm: ['--prefix'],
  pnpm: ['-C', '--dir'],
  yarn: ['--cwd'],
  make: ['-C', '--directory'],
  gmake: ['-C', '--directory'],
  gradle: ['-p', '--project-dir'],
  go: ['-C'],
};

/**
 * Kinds a task or script name announces (`test:unit`, `lint-fix`, `docker-build`), for runners whose tasks
 * cannot be read (turbo, nx, a missing package.json).
 */
export function taskKinds(name: string, options: { make?: boolean } = {}): StepKind[] {
  const whole = name.toLowerCase();
  const parts = whole.split(/[:._\-/\s]+/).filter(Boolean);
  const has = (...w: string[]): boolean => parts.some((p) => w.includes(p));
  const out: StepKind[] = [];
  if (has('build', 'compile', 'dist', 'bundle', 'assemble', 'package') || (options.make && whole === 'all')) out.push('build');
  if (has('test', 'tests', 'e2e', 'spec', 'specs', 'unittest', 'integration-test', 'integrationtest') || (options.make && whole === 'check')) out.push('test');
  if (has('lint', 'eslint', 'stylelint', 'golangci', 'rubocop', 'flake8', 'ruff', 'hadolint') || (has('format', 'fmt', 'prettier') && has('check', 'verify'))) out.push('lint');
  if (has('audit')) out.push('dependency-scan');
  if (has('push', 'publish') && has('docker', 'image', 'images', 'container')) out.push('publish-image');
  if (has('deploy', 'release') && !has('notes')) out.push('deploy');
  return out;
}

const t = (...k: StepKind[]): StepKind[] => k;
const TEST = t('test');
const LINT = t('lint');
const DEP = t('dependency-scan');
const SAST = t('sast');
const SECRET = t('secret-scan');
const DEPLOY = t('deploy');
const BUILD = t('build');
const PUBLISH = t('publish-image');

/** Programs whose every run (apart from `--version`, `install`, ...) does one thing. */
const SIMPLE: Record<string, StepKind[]> = {
  jest: TEST, mocha: TEST, ava: TEST, jasmine: TEST, pytest: TEST, 'py.test': TEST, tox: TEST, nox: TEST,
  gotestsum: TEST, ginkgo: TEST, ctest: TEST, behave: TEST, cucumber: TEST, 'cucumber-js': TEST, rspec: TEST,
  phpunit: TEST, pest: TEST, wdio: TEST, nosetests: TEST,
  eslint: LINT, eslint_d: LINT, tslint: LINT, stylelint: LINT, oxlint: LINT, standard: LINT, xo: LINT, standardrb: LINT,
  rubocop: LINT, hadolint: LINT, shellcheck: LINT, yamllint: LINT, markdownlint: LINT, 'markdownlint-cli2': LINT,
  ktlint: LINT, detekt: LINT, 'detekt-cli': LINT, checkstyle: LINT, swiftlint: LINT, phpcs: LINT, psalm: LINT,
  phpstan: LINT, flake8: LINT, pylint: LINT, pycodestyle: LINT, pydocstyle: LINT, staticcheck: LINT, revive: LINT,
  'golangci-lint': LINT, tflint: LINT, actionlint: LINT, 'clang-tidy': LINT, cpplint: LINT, htmlhint: LINT,
  'kube-linter': LINT, 'super-linter': LINT, 'mega-linter-runner': LINT, megalinter: LINT,
  'pip-audit': DEP, 'osv-scanner': DEP, govulncheck: DEP, retire: DEP, 'audit-ci': DEP,
  'better-npm-audit': DEP, nancy: DEP, 'dependency-check': DEP, 'owasp-dependency-check': DEP, 'bundle-audit': DEP,
  'bundler-audit': DEP, 'npm-audit': DEP,
  bandit: SAST, gosec: SAST, 'sonar-scanner': SAST, njsscan: SAST, nodejsscan: SAST, brakeman: SAST, flawfinder: SAST,
  spotbugs: SAST, opengrep: SAST, sourceanalyzer: SAST, 'dotnet-sonarscanner': SAST, 'sonarscanner.msbuild': SAST,
  gitleaks: SECRET, trufflehog: SECRET, 'detect-secrets': SECRET, 'detect-secrets-hook': SECRET, secretlint: SECRET,
  talisman: SECRET, whispers: SECRET, noseyparker: SECRET, 'git-secrets': SECRET, kingfisher: SECRET,
  'ecs-deploy': DEPLOY, goreleaser: BUILD, webpack: BUILD, rollup: BUILD, esbuild: BUILD, tsup: BUILD, msbuild: BUILD,
};

type Rule = (c: Cmd, cl: Classifier) => StepKind[];

const sub = (c: Cmd, withValue: readonly string[] = []): string[] => positionals(c.args, withValue).map((a) => a.toLowerCase());

const firstIs = (kinds: Record<string, StepKind[]>, withValue: readonly string[] = []): Rule => (c) => kinds[sub(c, withValue)[0] ?? ''] ?? NONE;

/** `npm`, `yarn`, `pnpm`, `bun`: lifecycle commands, scripts from package.json, `audit`. */
function nodeTool(tool: 'npm' | 'yarn' | 'pnpm' | 'bun'): Rule {
  return (c, cl) => {
    const args = c.args;
    const scope = workspaceScope(tool, args, c.cwd);
    const workspaceWide = scope === 'all';
    const dir = scope === 'all' ? c.cwd : scope;
    const p = positionals(args, ['--prefix', '-C', '--dir', '--cwd', '-w', '--workspace', '--filter', '-F', '--loglevel', '--registry']);
    const cmd = (p[0] ?? '').toLowerCase();
    const run = (name: string | undefined): StepKind[] => {
      if (name === undefined) return NONE;
      if (workspaceWide) return taskKinds(name);
      return cl.npmScript(tool, dir, name, c.depth).kinds;
    };
    if (cmd === 'audit' || (tool === 'yarn' && cmd === 'npm' && p[1] === 'audit')) return DEP;
    if (tool === 'bun') {
      if (cmd === 'test') return TEST;
      if (cmd === 'build') return BUILD;
      if (cmd === 'run') return cl.npmScript(tool, dir, p[1] ?? '', c.depth).kinds;
      if (BUN_BUILTINS.has(cmd)) return NONE;
      return run(p[0]);
    }
    if (cmd === 'test' || cmd === 't' || cmd === 'tst' || (tool === 'npm' && ['it', 'cit', 'install-test', 'install-ci-test'].includes(cmd))) return run('test');
    if (cmd === 'run' || cmd === 'run-script' || cmd === 'rum' || cmd === 'urn') return run(p[1]);
    if (cmd === 'start' || cmd === 'stop' || cmd === 'restart') return run(cmd);
    if (tool === 'yarn' && cmd === 'workspace' && p[2]) return taskKinds(p[2] === 'run' ? (p[3] ?? '') : p[2]);
    if (tool === 'yarn' && cmd === 'workspaces') {
      const i = p.indexOf('run');
      return i >= 0 ? taskKinds(p[i + 1] ?? '') : NONE;
    }
    if (tool === 'npm' || cmd === '') return NONE;
    const builtins = tool === 'yarn' ? YARN_BUILTINS : PNPM_BUILTINS;
    if (builtins.has(cmd)) return NONE;
    // `yarn lint` / `pnpm lint` run the script, else a binary of that name from node_modules/.bin.
    if (workspaceWide) return taskKinds(p[0]!);
    const script = cl.npmScript(tool, dir, p[0]!, c.depth);
    if (script.found) return script.kinds;
    return cl.words(p.concat(), c.cwd, c.depth + 1).kinds;
  };
}

/**
 * Where a node tool runs its scripts: `all` for several workspaces at once (`npm -ws`, `pnpm -r`, `--filter`), a
 * folder (`npm -w packages/api`, `pnpm -w` = the workspace root), or the current folder. A workspace named by
 * package name (`npm -w @acme/api`) cannot be placed without reading every package.json: `all`.
 */
function workspaceScope(tool: string, args: string[], cwd: string | null): 'all' | string | null {
  if (tool === 'pnpm') {
    if (hasFlag(args, '-w', '--workspace-root')) return '.';
    if (hasFlag(args, '-r', '--recursive', '--filter', '-F')) return 'all';
    return cwd;
  }
  if (tool === 'npm') {
    if (hasFlag(args, '--workspaces', '-ws')) return 'all';
    const w = flagValue(args, ['-w', '--workspace']);
    if (w !== undefined) return w.includes('/') ? resolveDir(cwd, w) : 'all';
    return cwd;
  }
  if (hasFlag(args, '--filter')) return 'all';
  return cwd;
}

const YARN_BUILTINS = new Set(['add', 'install', 'remove', 'upgrade', 'up', 'upgrade-interactive', 'init', 'info', 'why', 'pack', 'publish', 'config', 'cache', 'set', 'plugin', 'version', 'versions', 'link', 'unlink', 'global', 'bin', 'constraints', 'dedupe', 'explain', 'patch', 'patch-commit', 'rebuild', 'search', 'stage', 'unplug', 'import', 'licenses', 'list', 'outdated', 'owner', 'tag', 'team', 'login', 'logout', 'generate-lock-entry', 'check', 'autoclean', 'create', 'node', 'help', 'npm', 'dlx', 'exec', 'policies', 'prune', 'sdks', 'remove']);
const PNPM_BUILTINS = new Set(['add', 'install', 'i', 'update', 'up', 'remove', 'rm', 'uninstall', 'exec', 'dlx', 'publish', 'pack', 'store', 'list', 'ls', 'outdated', 'why', 'link', 'ln', 'unlink', 'import', 'rebuild', 'rb', 'prune', 'fetch', 'patch', 'patch-commit', 'deploy', 'create', 'init', 'env', 'setup', 'server', 'licenses', 'config', 'root', 'bin', 'doctor', 'approve-builds', 'install-test', 'it', 'ci', 'dedupe', 'self-update', 'cache', 'sbom']);
const BUN_BUILTINS = new Set(['install', 'i', 'add', 'a', 'remove', 'rm', 'update', 'link', 'unlink', 'pm', 'init', 'create', 'upgrade', 'x', 'repl', 'exec', 'publish', 'outdated', 'patch']);

function runAll(c: Cmd, cl: Classifier): StepKind[] {
  const patterns = positionals(c.args, ['--npm-path', '--max-parallel']);
  const kinds: StepKind[] = [];
  for (const pattern of patterns) {
    const [name] = pattern.split(/\s+/);
    for (const n of cl.npmScriptNames(c.cwd, name!)) kinds.push(...cl.npmScript('npm', c.cwd, n, c.depth).kinds);
  }
  return kinds;
}

function concurrently(c: Cmd, cl: Classifier): StepKind[] {
  const kinds: StepKind[] = [];
  for (const arg of positionals(c.args, ['-n', '--names', '-c', '--prefix-colors', '-p', '--prefix', '-s', '--success', '-m', '--max-processes', '--default-input-target', '-t', '--timestamp-format'])) {
    const m = /^(npm|yarn|pnpm|bun):(.+)$/.exec(arg);
    if (m) for (const n of cl.npmScriptNames(c.cwd, m[2]!)) kinds.push(...cl.npmScript(m[1]!, c.cwd, n, c.depth).kinds);
    else kinds.push(...cl.text(arg, c.cwd, c.depth + 1));
  }
  return kinds;
}

function maven(c: Cmd): StepKind[] {
  const goals = positionals(c.args, ['-f', '--file', '-s', '--settings', '-gs', '--global-settings', '-t', '--toolchains', '-pl', '--projects', '-rf', '--resume-from', '-T', '--threads', '-l', '--log-file', '-b', '--builder', '-P', '--activate-profiles', '-D', '--define', '-e']).map((g) => g.toLowerCase());
  const defines = c.args.filter((a) => a.startsWith('-D')).map((a) => a.toLowerCase());
  const skipTests = defines.some((d) => d === '-dskiptests' || d === '-dskiptests=true' || d === '-dmaven.test.skip=true' || d === '-dmaven.test.skip');
  const out: StepKind[] = [];
  for (const g of goals) {
    if (['compile', 'package', 'install', 'verify', 'deploy'].includes(g)) out.push('build');
    if ((g === 'test' || g === 'integration-test' || g === 'verify') && !skipTests) out.push('test');
    const parts = g.split(':');
    if (parts.length < 2) continue;
    const goal = parts[parts.length - 1]!;
    const plugin = (parts.length >= 3 ? parts[1]! : parts[0]!).replace(/^maven-/, '').replace(/-maven-plugin$|-plugin$|-maven$/, '');
    if (plugin === 'checkstyle' || plugin === 'pmd' || plugin === 'fmt' || plugin === 'prettier' || (plugin === 'spotless' && goal === 'check')) out.push('lint');
    if (plugin === 'spotbugs' || plugin === 'findbugs' || plugin === 'sonar' || plugin === 'sonar-maven') out.push('sast');
    if (plugin === 'dependency-check' || plugin === 'ossindex') out.push('dependency-scan');
    if (plugin === 'jib') out.push('build', ...(goal === 'build' ? PUBLISH : NONE));
    if (plugin === 'spring-boot' && goal.startsWith('build-image')) {
      out.push('build');
      if (defines.includes('-dspring-boot.build-image.publish=true')) out.push('publish-image');
    }
    if ((plugin === 'docker' || plugin === 'dockerfile') && goal === 'build') out.push('build');
    if ((plugin === 'docker' || plugin === 'dockerfile') && goal === 'push') out.push('publish-image');
  }
  return out;
}

function gradle(c: Cmd): StepKind[] {
  const args = c.args;
  const excluded = new Set<string>();
  for (let i = 0; i < args.length; i++) if ((args[i] === '-x' || args[i] === '--exclude-task') && args[i + 1]) excluded.add(args[i + 1]!.toLowerCase().split(':').pop()!);
  const tasks = positionals(args, ['-x', '--exclude-task', '-p', '--project-dir', '-b', '--build-file', '-c', '--settings-file', '-g', '--gradle-user-home', '-I', '--init-script', '--tests', '--console', '--warning-mode', '--max-workers']).map((t) => t.toLowerCase().split(':').pop()!);
  const out: StepKind[] = [];
  for (const task of tasks) {
    if (excluded.has(task)) continue;
    if (['build', 'assemble', 'jar', 'bootjar', 'shadowjar', 'war', 'bootwar', 'installdist', 'distzip', 'disttar', 'classes', 'compilejava', 'compilekotlin'].includes(task) || /^assemble[a-z]/.test(task) || /^bundle(release|debug)/.test(task)) out.push('build');
    if (task === 'build' && !excluded.has('test') && !excluded.has('check')) out.push('test');
    if (task === 'check' || task === 'test' || (/test$/.test(task) && !/^compile|^process|^jar/.test(task)) || /^test[a-z]/.test(task)) out.push('test');
    if (task === 'lint' || /^lint[a-z]/.test(task) || /^(ktlint|spotless|checkstyle|pmd|detekt|ktfmt)/.test(task) && !/(format|apply)$/.test(task)) out.push('lint');
    if (/^(spotbugs|findbugs|sonar|sonarqube)/.test(task)) out.push('sast');
    if (/^dependencycheck|^ossindex/.test(task)) out.push('dependency-scan');
    if (task === 'jib') out.push('build', 'publish-image');
    if (task === 'jibdockerbuild' || task === 'jibbuildtar' || task === 'dockerbuildimage' || task === 'dockerbuild') out.push('build');
    if (task === 'bootbuildimage') out.push('build', ...(hasFlag(args, '--publishImage') ? PUBLISH : NONE));
    if (/^docker(push|pushimage)|^pushimage/.test(task)) out.push('publish-image');
  }
  return out;
}

function goTool(c: Cmd, cl: Classifier): StepKind[] {
  const p = positionals(c.args, ['-C', '-o', '-tags', '-run', '-p', '-ldflags', '-gcflags', '-timeout', '-coverprofile', '-covermode', '-count', '-mod', '-exec', '-bench', '-parallel']);
  const cmd = p[0];
  if (cmd === 'build') return BUILD;
  if (cmd === 'test') return TEST;
  if (cmd === 'vet') return LINT;
  if (cmd === 'run' && p[1]) {
    const pkg = p[1].replace(/@[^/]*$/, '');
    if (pkg === '.' || pkg.startsWith('./') || pkg.endsWith('.go')) return NONE;
    const base = pkg.split('/').filter((s) => !/^v\d+$/.test(s)).pop() ?? '';
    return cl.words([base, ...p.slice(2)], c.cwd, c.depth + 1).kinds;
  }
  return NONE;
}

function cargo(c: Cmd): StepKind[] {
  const p = sub(c, ['-p', '--package', '--manifest-path', '--target', '--features', '-F', '--profile', '-j', '--jobs']);
  switch (p[0]) {
    case 'build':
    case 'b':
      return BUILD;
    case 'test':
    case 't':
    case 'nextest':
      return TEST;
    case 'clippy':
      return LINT;
    case 'fmt':
      return hasFlag(c.args, '--check') ? LINT : NONE;
    case 'audit':
    case 'deny':
      return DEP;
    default:
      return NONE;
  }
}

function dotnet(c: Cmd, cl: Classifier): StepKind[] {
  const p = sub(c, ['-c', '--configuration', '-o', '--output', '-f', '--framework', '-r', '--runtime', '-v', '--verbosity', '--logger', '-l', '--filter', '-s', '--source']);
  switch (p[0]) {
    case 'build':
    case 'publish':
    case 'pack':
    case 'msbuild':
      return BUILD;
    case 'test':
    case 'vstest':
      return TEST;
    case 'format':
      return hasFlag(c.args, '--verify-no-changes') ? LINT : NONE;
    case 'list':
      return hasFlag(c.args, '--vulnerable') ? DEP : NONE;
    case 'sonarscanner':
      return SAST;
    case 'tool':
      return p[1] === 'run' && p[2] ? cl.words(p.slice(2), c.cwd, c.depth + 1).kinds : NONE;
    default:
      return NONE;
  }
}

function python(c: Cmd): StepKind[] {
  const p = positionals(c.args);
  const script = p[0] ?? '';
  if (/(^|\/)setup\.py$/.test(script)) {
    const cmd = p[1];
    if (cmd === 'test' || cmd === 'pytest') return TEST;
    if (cmd && ['build', 'sdist', 'bdist_wheel', 'bdist', 'build_ext'].includes(cmd)) return BUILD;
  }
  if (/(^|\/)manage\.py$/.test(script) && p[1] === 'test') return TEST;
  return NONE;
}


function make(c: Cmd, cl: Classifier): StepKind[] {
  const args = c.args;
  const file = flagValue(args, ['-f', '--file', '--makefile']);
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') continue;
    if (a.startsWith('-')) {
      if (['-C', '-f', '--file', '--makefile', '--directory', '-I', '-o', '-W', '-l'].includes(a)) i++;
      else if (a === '-j' && /^\d+$/.test(args[i + 1] ?? '')) i++;
      continue;
    }
    if (a.includes('=')) continue;
    targets.push(a);
  }
  return cl.make(c.cwd, file, targets, c.depth);
}

function docker(c: Cmd, cl: Classifier): StepKind[] {
  const global = ['-H', '--host', '--config', '--context', '-c', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey'];
  const p = positionals(c.args, global);
  const s = (p[0] ?? '').toLowerCase();
  const args = c.args;
  const pushes = hasFlag(args, '--push') || args.some((a, i) => /type=(registry|image,.*push=true)/.test(a) && (args[i - 1] === '-o' || args[i - 1] === '--output' || a.startsWith('--output=')));
  if (s === 'build' || (s === 'image' && p[1] === 'build')) return pushes ? t('build', 'publish-image') : BUILD;
  if (s === 'buildx') {
    if (p[1] === 'build' || p[1] === 'b') return pushes ? t('build', 'publish-image') : BUILD;
    if (p[1] === 'bake') return pushes ? t('build', 'publish-image') : BUILD;
    if (p[1] === 'imagetools' && p[2] === 'create') return PUBLISH;
    return NONE;
  }
  if (s === 'push' || (s === 'image' && p[1] === 'push') || (s === 'manifest' && p[1] === 'push')) return PUBLISH;
  if (s === 'compose') return compose(p.slice(1));
  if (s === 'stack' && p[1] === 'deploy') return DEPLOY;
  if (s === 'service' && p[1] === 'update') return DEPLOY;
  if (s === 'run' || (s === 'container' && p[1] === 'run')) return dockerRun(args.slice(args.indexOf('run') + 1), c, cl);
  return NONE;
}

function compose(p: string[]): StepKind[] {
  const s = p.find((w) => !w.includes('.y') && !w.startsWith('-'));
  if (s === 'build') return BUILD;
  if (s === 'push') return PUBLISH;
  return NONE;
}

const DOCKER_RUN_WITH_VALUE = new Set(['-v', '--volume', '-e', '--env', '-w', '--workdir', '--name', '-p', '--publish', '--network', '--net', '--entrypoint', '-u', '--user', '--env-file', '--mount', '--platform', '-l', '--label', '--cpus', '-m', '--memory', '--add-host', '--volumes-from', '--pull', '--hostname', '-h', '--shm-size', '--ulimit', '--cap-add', '--cap-drop', '--security-opt', '--device', '--gpus', '--restart', '--tmpfs', '--log-driver', '--ipc', '--pid', '--dns', '--group-add', '--cidfile', '--link', '--expose', '--stop-signal', '--health-cmd']);

/** `docker run IMAGE [COMMAND]`: the image's own tool (a known scanner image) and the command it runs. */
function dockerRun(args: string[], c: Cmd, cl: Classifier): StepKind[] {
  let i = 0;
  let entrypoint: string | undefined;
  while (i < args.length) {
    const a = args[i]!;
    if (!a.startsWith('-')) break;
    if (a === '--entrypoint') entrypoint = args[i + 1];
    else if (a.startsWith('--entrypoint=')) entrypoint = a.slice('--entrypoint='.length);
    i += DOCKER_RUN_WITH_VALUE.has(a) ? 2 : 1;
  }
  const image = args[i];
  if (image === undefined) return NONE;
  const rest = args.slice(i + 1);
  const fromImage = imageKinds(image, rest);
  const command = entrypoint ? [entrypoint, ...rest] : rest;
  const fromCommand = command.length > 0 ? cl.words(command, null, c.depth + 1).kinds : NONE;
  return [...fromImage, ...fromCommand];
}

/** Images whose entrypoint is a known tool (`docker run returntocorp/semgrep`, Cloud Build and GitHub `docker://`). */
const TOOL_IMAGES: Array<[RegExp, StepKind[] | ((args: string[]) => StepKind[])]> = [
  [/(^|\/)(returntocorp|semgrep)\/semgrep(:|@|$)/, SAST],
  [/(^|\/)(zricethezav|gitleaks)\/gitleaks(:|@|$)/, SECRET],
  [/(^|\/)trufflesecurity\/trufflehog(:|@|$)/, SECRET],
  [/(^|\/)hadolint\/hadolint(:|@|$)/, LINT],
  [/(^|\/)owasp\/dependency-check(:|@|$)/, DEP],
  [/(^|\/)sonarsource\/sonar-scanner-cli(:|@|$)/, SAST],
  [/(^|\/)securego\/gosec(:|@|$)/, SAST],
  [/(^|\/)anchore\/grype(:|@|$)/, (args) => grype(args)],
  [/(^|\/)aquasec\/trivy(:|@|$)/, (args) => trivy(args)],
  [/(^|\/)snyk\/snyk(:|@|$)/, (args) => snyk(args)],
  [/(^|\/)github\/super-linter(:|@|$)|(^|\/)super-linter\/super-linter(:|@|$)/, LINT],
  [/(^|\/)oxsecurity\/megalinter/, LINT],
  [/(^|\/)gcr\.io\/kaniko-project\/executor(:|@|$)/, (args) => (args.includes('--no-push') ? BUILD : t('build', 'publish-image'))],
  [/(^|\/)gcr\.io\/cloud-builders\/gke-deploy(:|@|$)/, DEPLOY],
];

export function imageKinds(image: string, args: string[]): StepKind[] {
  const ref = image.toLowerCase();
  for (const [re, kinds] of TOOL_IMAGES) if (re.test(ref)) return typeof kinds === 'function' ? kinds(args) : kinds;
  return NONE;
}

function trivy(args: string[]): StepKind[] {
  const p = positionals(args, ['--scanners', '--security-checks', '-f', '--format', '-o', '--output', '--severity', '-s', '--exit-code', '--timeout', '--cache-dir', '--skip-dirs', '--skip-files', '--ignorefile', '-c', '--config']).map((a) => a.toLowerCase());
  // Image scans (`trivy image`) look at a container, not the project's dependencies: no step kind fits.
  if (!['fs', 'filesystem', 'repo', 'repository', 'rootfs', 'sbom'].includes(p[0] ?? '')) return NONE;
  const scanners = flagValue(args, ['--scanners', '--security-checks']);
  if (scanners === undefined) return DEP;
  const list = scanners.split(',');
  const out: StepKind[] = [];
  if (list.includes('vuln')) out.push('dependency-scan');
  if (list.includes('secret')) out.push('secret-scan');
  return out;
}

/** `grype dir:.` or `grype sbom:x` scans the project; `grype IMAGE` a container. */
function grype(args: string[]): StepKind[] {
  const target = positionals(args, ['-o', '--output', '-c', '--config', '--fail-on', '-f', '--file', '--exclude', '--scope', '-s'])[0] ?? '';
  return /^(dir|sbom|file):|^\.$|^\.\//.test(target) ? DEP : NONE;
}

function snyk(args: string[]): StepKind[] {
  const p = positionals(args, ['--org', '--severity-threshold', '--file', '--project-name', '--policy-path']).map((a) => a.toLowerCase());
  if (p[0] === 'test' || p[0] === 'monitor') return DEP;
  if (p[0] === 'code' && p[1] === 'test') return SAST;
  return NONE;
}

function kubectl(c: Cmd): StepKind[] {
  const p = sub(c, ['-n', '--namespace', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--token', '-f', '--filename', '-k', '--kustomize', '-o', '--output', '-l', '--selector', '-c', '--container', '--timeout']);
  const s = p[0];
  if (s === 'apply' || s === 'rollout' || s === 'replace') return DEPLOY;
  if (s === 'set' && p[1] === 'image') return DEPLOY;
  if (s === 'create' && hasFlag(c.args, '-f', '--filename', '-k', '--kustomize')) return DEPLOY;
  return NONE;
}

function gcloud(c: Cmd): StepKind[] {
  const p = positionals(c.args, ['--project', '--region', '--format', '--account', '--configuration', '--zone', '--verbosity', '--impersonate-service-account']).map((a) => a.toLowerCase());
  const g = p[0] === 'alpha' || p[0] === 'beta' ? p.slice(1) : p;
  const [a, b, d] = g;
  if (a === 'builds' && b === 'submit') return t('build', 'publish-image');
  if (a === 'run' && b === 'deploy') return DEPLOY;
  if (a === 'run' && (b === 'services' || b === 'jobs') && (d === 'update' || d === 'replace' || d === 'deploy')) return DEPLOY;
  if (a === 'run' && b === 'jobs' && d === 'deploy') return DEPLOY;
  if ((a === 'app' || a === 'functions') && b === 'deploy') return DEPLOY;
  if (a === 'deploy' && b === 'releases' && d === 'create') return DEPLOY;
  if (a === 'compute' && b === 'instances' && d === 'update-container') return DEPLOY;
  return NONE;
}

function aws(c: Cmd): StepKind[] {
  const p = positionals(c.args, ['--region', '--profile', '--output', '--endpoint-url', '--cluster', '--service', '--function-name', '--query', '--cli-input-json']).map((a) => a.toLowerCase());
  const [svc, op] = p;
  if (svc === 'ecs' && (op === 'update-service' || op === 'deploy')) return DEPLOY;
  if (svc === 'lambda' && (op === 'update-function-code' || op === 'publish-version')) return DEPLOY;
  if (svc === 'deploy' && op === 'create-deployment') return DEPLOY;
  if (svc === 'cloudformation' && (op === 'deploy' || op === 'create-stack' || op === 'update-stack')) return DEPLOY;
  if (svc === 'apprunner' && (op === 'start-deployment' || op === 'update-service')) return DEPLOY;
  if (svc === 'elasticbeanstalk' && op === 'update-environment') return DEPLOY;
  return NONE;
}

function az(c: Cmd): StepKind[] {
  const p = positionals(c.args, ['-g', '--resource-group', '-n', '--name', '--subscription', '-r', '--registry', '-t', '--image', '--src-path', '--type', '-o', '--output', '--query']).map((a) => a.toLowerCase());
  const [a, b, d] = p;
  if (a === 'acr' && b === 'build') return t('build', 'publish-image');
  if (a === 'webapp' && (b === 'deploy' || b === 'up' || (b === 'config' && d === 'container') || b === 'deployment')) return DEPLOY;
  if (a === 'containerapp' && (b === 'update' || b === 'up' || b === 'create')) return DEPLOY;
  if (a === 'functionapp' && (b === 'deployment' || b === 'deploy')) return DEPLOY;
  if (a === 'spring' && b === 'app' && d === 'deploy') return DEPLOY;
  if (a === 'deployment' && (b === 'group' || b === 'sub') && d === 'create') return DEPLOY;
  return NONE;
}

function git(c: Cmd): StepKind[] {
  const p = positionals(c.args, ['-C', '-c']);
  if (p[0] === 'secrets' && c.args.some((a) => a.startsWith('--scan'))) return SECRET;
  if (p[0] === 'push' && p[1] && /^(heroku|dokku)$|heroku\.com|^dokku@/.test(p[1])) return DEPLOY;
  return NONE;
}

function ko(c: Cmd): StepKind[] {
  const s = sub(c, ['-f', '--filename', '--platform', '-t', '--tags', '--image-label', '--sbom'])[0];
  if (!s || !['build', 'publish', 'resolve', 'apply', 'create'].includes(s)) return NONE;
  const local = hasFlag(c.args, '--local', '-L') || c.args.includes('--push=false');
  const out: StepKind[] = ['build'];
  if (!local) out.push('publish-image');
  if (s === 'apply' || s === 'create') out.push('deploy');
  return out;
}

function tasksOf(c: Cmd, after: readonly string[]): StepKind[] {
  const p = positionals(c.args, ['--filter', '-F', '--concurrency', '--scope', '--ignore', '-p', '--projects', '--parallel', '--base', '--head', '-c', '--configuration', '--cache-dir', '--graph', '--output-logs', '--log-order', '--env-mode']);
  const targets: string[] = [];
  for (const flag of ['-t', '--target', '--targets']) {
    const v = flagValue(c.args, [flag]);
    if (v) targets.push(...v.split(','));
  }
  const start = p.findIndex((w) => after.includes(w));
  const names = start >= 0 ? p.slice(start + 1) : p;
  if (targets.length === 0) targets.push(...names.map((n) => n.split(':').pop()!));
  return targets.flatMap((n) => taskKinds(n));
}

const RULES: Record<string, Rule> = {
  npm: nodeTool('npm'),
  yarn: nodeTool('yarn'),
  pnpm: nodeTool('pnpm'),
  bun: nodeTool('bun'),
  'run-s': runAll,
  'run-p': runAll,
  'npm-run-all': runAll,
  'npm-run-all2': runAll,
  concurrently,
  mvn: maven,
  gradle,
  go: goTool,
  cargo,
  dotnet,
  python,
  make,
  gmake: make,
  docker,
  podman: docker,
  nerdctl: docker,
  'docker-compose': (c) => compose(positionals(c.args, ['-f', '--file', '-p', '--project-name', '--project-directory', '--profile', '--env-file'])),
  buildah: firstIs({ bud: BUILD, build: BUILD, 'build-using-dockerfile': BUILD, commit: BUILD, push: PUBLISH }),
  crane: firstIs({ push: PUBLISH, copy: PUBLISH, cp: PUBLISH, append: PUBLISH }),
  skopeo: firstIs({ copy: PUBLISH, sync: PUBLISH }),
  img: firstIs({ build: BUILD, push: PUBLISH }),
  ko,
  jib: firstIs({ build: t('build', 'publish-image'), jar: BUILD }),
  executor: (c) => (c.word.includes('kaniko') ? (c.args.includes('--no-push') ? BUILD : t('build', 'publish-image')) : NONE),
  pack: (c) => (sub(c)[0] === 'build' ? (hasFlag(c.args, '--publish') ? t('build', 'publish-image') : BUILD) : NONE),
  earthly: (c) => (hasFlag(c.args, '--push') ? t('build', 'publish-image') : BUILD),
  depot: (c) => (['build', 'bake'].includes(sub(c)[0] ?? '') ? (hasFlag(c.args, '--push') ? t('build', 'publish-image') : BUILD) : NONE),
  apko: firstIs({ publish: t('build', 'publish-image'), build: BUILD }),
  kubectl,
  oc: kubectl,
  helm: (c) => {
    const s = sub(c, ['-n', '--namespace', '--kube-context', '--kubeconfig', '-f', '--values', '--version', '--set', '--repo'])[0];
    if (s === 'upgrade' || s === 'install') return DEPLOY;
    if (s === 'lint') return LINT;
    return NONE;
  },
  helmfile: firstIs({ apply: DEPLOY, sync: DEPLOY, deploy: DEPLOY }, ['-f', '--file', '-e', '--environment', '-n', '--namespace', '-l', '--selector']),
  argocd: (c) => {
    const p = sub(c, ['--server', '--auth-token', '--grpc-web-root-path']);
    return p[0] === 'app' && p[1] === 'sync' ? DEPLOY : NONE;
  },
  flux: firstIs({ reconcile: DEPLOY }),
  gcloud,
  git,
  aws,
  az,
  terraform: (c) => (sub(c)[0] === 'apply' ? DEPLOY : sub(c)[0] === 'fmt' && hasFlag(c.args, '-check') ? LINT : NONE),
  tofu: (c) => (sub(c)[0] === 'apply' ? DEPLOY : NONE),
  terragrunt: (c) => (sub(c).slice(0, 2).includes('apply') || sub(c)[0] === 'run-all' && sub(c)[1] === 'apply' ? DEPLOY : NONE),
  pulumi: firstIs({ up: DEPLOY, update: DEPLOY }, ['-s', '--stack', '-C', '--cwd']),
  cdk: firstIs({ deploy: DEPLOY }),
  sam: firstIs({ deploy: DEPLOY, build: BUILD }),
  serverless: firstIs({ deploy: DEPLOY }),
  sls: firstIs({ deploy: DEPLOY }),
  flyctl: firstIs({ deploy: DEPLOY }),
  fly: firstIs({ deploy: DEPLOY }),
  cf: firstIs({ push: DEPLOY }),
  cf7: firstIs({ push: DEPLOY }),
  cf8: firstIs({ push: DEPLOY }),
  vercel: (c) => {
    const s = sub(c, ['--token', '--scope', '-t', '-S', '--cwd'])[0];
    return s === undefined || s === 'deploy' || hasFlag(c.args, '--prod') ? DEPLOY : NONE;
  },
  netlify: firstIs({ deploy: DEPLOY }),
  firebase: firstIs({ deploy: DEPLOY }, ['--project', '-P', '--token']),
  wrangler: firstIs({ deploy: DEPLOY, publish: DEPLOY }),
  railway: firstIs({ up: DEPLOY }),
  kamal: firstIs({ deploy: DEPLOY }),
  cap: (c) => (sub(c).includes('deploy') ? DEPLOY : NONE),
  copilot: (c) => (sub(c).includes('deploy') ? DEPLOY : NONE),
  eb: firstIs({ deploy: DEPLOY }),
  nomad: (c) => (sub(c)[0] === 'job' && sub(c)[1] === 'run' ? DEPLOY : NONE),
  waypoint: firstIs({ up: DEPLOY, deploy: DEPLOY }),
  skaffold: firstIs({ run: t('build', 'deploy'), deploy: DEPLOY, apply: DEPLOY, build: BUILD }),
  heroku: firstIs({ 'container:push': t('build', 'publish-image'), 'container:release': DEPLOY, 'deploy:jar': DEPLOY, 'deploy:war': DEPLOY }),
  trivy: (c) => trivy(c.args),
  grype: (c) => grype(c.args),
  snyk: (c) => snyk(c.args),
  safety: firstIs({ check: DEP, scan: DEP }),
  semgrep: (c) => (['login', 'logout', 'publish', 'install-semgrep-pro'].includes(sub(c)[0] ?? '') || isHelpOrSetup(c.args) ? NONE : SAST),
  codeql: (c) => (sub(c)[0] === 'database' && sub(c)[1] === 'analyze' ? SAST : NONE),
  ggshield: (c) => (sub(c)[0] === 'secret' && sub(c)[1] === 'scan' ? SECRET : sub(c)[0] === 'scan' ? SECRET : NONE),
  bearer: firstIs({ scan: SAST }),
  horusec: firstIs({ start: SAST }),
  devskim: firstIs({ analyze: SAST }),
  cx: (c) => (sub(c)[0] === 'scan' && sub(c)[1] === 'create' ? SAST : NONE),
  jf: (c) => (sub(c)[0] === 'audit' || (sub(c)[0] === 'xr' && sub(c)[1] === 'audit') ? DEP : NONE),
  jfrog: (c) => (sub(c)[0] === 'audit' || (sub(c)[0] === 'xr' && sub(c)[1] === 'audit') ? DEP : NONE),
  composer: firstIs({ audit: DEP }),
  bundle: firstIs({ audit: DEP }),
  ruff: (c) => {
    const s = sub(c)[0];
    if (s === 'format') return hasFlag(c.args, '--check', '--diff') ? LINT : NONE;
    if (s === undefined || s === 'check' || !['server', 'clean', 'rule', 'config', 'linter', 'version', 'help', 'analyze'].includes(s)) return LINT;
    return NONE;
  },
  black: (c) => (hasFlag(c.args, '--check', '--diff') ? LINT : NONE),
  isort: (c) => (hasFlag(c.args, '--check', '--check-only', '-c', '--diff') ? LINT : NONE),
  prettier: (c) => (hasFlag(c.args, '--check', '-c', '--list-different', '-l') ? LINT : NONE),
  gofmt: (c) => (hasFlag(c.args, '-l', '-d') ? LINT : NONE),
  biome: firstIs({ check: LINT, lint: LINT, ci: LINT }),
  pmd: firstIs({ check: LINT, pmd: LINT }),
  sqlfluff: firstIs({ lint: LINT }),
  vitest: (c) => (['bench', 'init', 'list'].includes(sub(c)[0] ?? '') ? NONE : TEST),
  karma: firstIs({ start: TEST, run: TEST }),
  cypress: firstIs({ run: TEST }),
  playwright: firstIs({ test: TEST }),
  newman: firstIs({ run: TEST }),
  tap: () => TEST,
  node: (c) => (c.args.includes('--test') ? TEST : NONE),
  deno: firstIs({ test: TEST, lint: LINT }),
  mix: firstIs({ test: TEST, compile: BUILD, 'deps.audit': DEP, 'hex.audit': DEP, credo: LINT, sobelow: SAST }),
  flutter: firstIs({ test: TEST, build: BUILD, analyze: LINT }),
  dart: firstIs({ test: TEST, analyze: LINT, compile: BUILD }),
  swift: firstIs({ test: TEST, build: BUILD }),
  xcodebuild: (c) => (c.args.includes('test') ? TEST : c.args.includes('build') || c.args.includes('archive') ? BUILD : NONE),
  rake: (c) => sub(c).flatMap((n) => (n === 'spec' || n === 'test' ? TEST : n === 'rubocop' ? LINT : NONE)),
  rails: firstIs({ test: TEST, 'test:system': TEST }),
  sbt: (c) =>
    c.args
      .flatMap((a) => a.split(/[;\s]+/))
      .map((a) => a.toLowerCase())
      .flatMap((a) =>
        a === 'test' || a.endsWith('/test') ? TEST
        : ['compile', 'package', 'assembly', 'stage', 'universal:packagebin'].includes(a) ? BUILD
        : a.startsWith('scalafmtcheck') || a === 'scalastyle' || a === 'scalafix --check' ? LINT
        : a === 'dependencycheck' ? DEP
        : a === 'docker:publish' || a === 'docker/publish' ? t('build', 'publish-image')
        : NONE,
      ),
  bazel: firstIs({ build: BUILD, test: TEST }),
  bazelisk: firstIs({ build: BUILD, test: TEST }),
  cmake: (c) => (hasFlag(c.args, '--build') ? BUILD : NONE),
  tsc: (c) => (hasFlag(c.args, '--noEmit', '--version', '-v', '--init') ? NONE : BUILD),
  vite: (c) => (sub(c)[0] === 'build' ? BUILD : NONE),
  next: firstIs({ build: BUILD, lint: LINT }),
  nuxt: firstIs({ build: BUILD, generate: BUILD }),
  ng: firstIs({ build: BUILD, test: TEST, e2e: TEST, lint: LINT }),
  'react-scripts': firstIs({ build: BUILD, test: TEST }),
  'vue-cli-service': (c) => taskKinds(sub(c)[0] ?? ''),
  gatsby: firstIs({ build: BUILD }),
  astro: firstIs({ build: BUILD }),
  parcel: firstIs({ build: BUILD }),
  turbo: (c) => tasksOf(c, ['run']),
  nx: (c) => tasksOf(c, ['run', 'run-many', 'affected']),
  lerna: (c) => tasksOf(c, ['run']),
  rush: (c) => tasksOf(c, []),
  just: (c) => tasksOf(c, []),
  task: (c) => tasksOf(c, []),
  mage: (c) => tasksOf(c, []),
  poetry: firstIs({ build: BUILD }),
  uv: firstIs({ build: BUILD }),
  hatch: firstIs({ build: BUILD, test: TEST }),
  pdm: firstIs({ build: BUILD }),
  flit: firstIs({ build: BUILD }),
  twine: () => NONE,
  sh: shellRunner,
  bash: shellRunner,
  zsh: shellRunner,
  dash: shellRunner,
  source: (c, cl) => (c.args[0] ? cl.scriptFile(c.args[0], c.cwd, c.depth) : NONE),
  '.': (c, cl) => (c.args[0] ? cl.scriptFile(c.args[0], c.cwd, c.depth) : NONE),
  pwsh: powershellRunner,
  powershell: powershellRunner,
  cmd: (c, cl) => {
    const i = c.args.findIndex((a) => a.toLowerCase() === '/c');
    return i >= 0 ? cl.text(c.args.slice(i + 1).join(' '), c.cwd, c.depth + 1) : NONE;
  },
  'pre-commit': () => NONE,
  'python-build': () => BUILD,
  'python-unittest': () => TEST,
};

function shellRunner(c: Cmd, cl: Classifier): StepKind[] {
  const i = c.args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
  if (i >= 0 && c.args[i + 1] !== undefined) return cl.text(c.args[i + 1]!, c.cwd, c.depth + 1);
  const file = c.args.find((a) => !a.startsWith('-'));
  return file ? cl.scriptFile(file, c.cwd, c.depth) : NONE;
}

function powershellRunner(c: Cmd, cl: Classifier): StepKind[] {
  const i = c.args.findIndex((a) => /^-c(ommand)?$/i.test(a));
  if (i >= 0 && c.args[i + 1] !== undefined) return cl.text(c.args.slice(i + 1).join(' '), c.cwd, c.depth + 1);
  return NONE;
}
