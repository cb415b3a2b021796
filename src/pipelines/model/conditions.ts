import type { Condition, EffectivePipeline, PipelineEvent, RunContext } from './types.js';

/**
 * Branch globs (`main`, `release/*`, `feature/**`) and conditions. `*` and `?` stay within one `/`-separated
 * segment, `**` crosses them: the rules of GitHub's `on.push.branches`.
 */

const REGEX_SPECIAL = /[.+^${}()|[\]\\*?]/;

/**
 * The body of an anchored regular expression for a glob, in the subset POSIX ERE, RE2 and JavaScript agree on
 * (grep -E in shells, GitLab `=~`).
 */
export function globToRegExpSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (REGEX_SPECIAL.test(c)) {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return out;
}

/** Reads back a regular expression written by `globToRegExpSource` (exported pipelines). */
export function globFromRegExpSource(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    if (source.startsWith('.*', i)) {
      out += '**';
      i += 1;
    } else if (source.startsWith('[^/]*', i)) {
      out += '*';
      i += 4;
    } else if (source.startsWith('[^/]', i)) {
      out += '?';
      i += 3;
    } else if (source[i] === '\\') {
      out += source[i + 1] ?? '';
      i += 1;
    } else {
      out += source[i];
    }
  }
  return out;
}

const compiled = new Map<string, RegExp>();

export function globMatch(glob: string, text: string): boolean {
  let re = compiled.get(glob);
  if (!re) {
    re = new RegExp(`^${globToRegExpSource(glob)}$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(glob, re);
  }
  return re.test(text);
}

/** Whether a job or step with this condition runs in this run: every given list must match. */
export function shouldRun(condition: Condition | undefined, ctx: Pick<RunContext, 'branch' | 'event'>): boolean {
  if (!condition) return true;
  if (condition.branches && !condition.branches.some((glob) => globMatch(glob, ctx.branch))) return false;
  if (condition.events && !condition.events.includes(ctx.event)) return false;
  return true;
}

/**
 * Whether the pipeline's triggers accept an event: a push when `on.push` is set and its branches (if any) match;
 * a manual run when `on.manual`; webhooks are explicit requests from integrations and have no trigger filter.
 */
export function isTriggered(on: EffectivePipeline['on'], event: PipelineEvent, branch: string): boolean {
  if (event === 'push') {
    if (!on.push) return false;
    return !on.push.branches || on.push.branches.some((glob) => globMatch(glob, branch));
  }
  if (event === 'manual') return on.manual;
  return true;
}
