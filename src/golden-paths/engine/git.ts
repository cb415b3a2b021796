import { execa } from 'execa';
import { UnavailableError } from '../../core/errors.js';

/** git with a clean environment: no inherited GIT_* variables, no prompts, no hooks, no ext:: transport. */
export async function git(args: string[], opts: { cwd?: string; signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', GIT_CONFIG_NOSYSTEM: '1' }, opts.env ?? {});
  try {
    const r = await execa('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'protocol.ext.allow=never', ...args], {
      cwd: opts.cwd,
      env,
      extendEnv: false,
      stdin: 'ignore',
      ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      timeout: 120_000,
    });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; shortMessage?: string; message: string };
    // Never echo the command line: a header with a token may be on it.
    const detail = (err.stderr || err.shortMessage || err.message).split('\n').filter((l) => !/authorization/i.test(l)).slice(-3).join(' ');
    throw new UnavailableError(`git ${args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''} failed: ${detail}`, { cause: e });
  }
}
