import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { resolveInside } from '../paths.js';
import type { Action } from '../types.js';
import { bool, inputError, str, strings } from './input.js';

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

export const fsRename: Action = {
  id: 'fs:rename',
  description: 'Moves files or folders inside the workspace: files: [{ from, to, overwrite? }].',
  async run(ctx) {
    const list = ctx.input.files;
    if (!Array.isArray(list) || list.length === 0) throw inputError('files', 'expected a list of { from, to }, found nothing');
    const moved: Array<{ from: string; to: string }> = [];
    for (const [i, item] of list.entries()) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) throw inputError(`files[${i}]`, 'expected a mapping { from, to, overwrite? }');
      const entry = item as Record<string, unknown>;
      const fromRel = str(entry, 'from', { required: true });
      const toRel = str(entry, 'to', { required: true });
      const from = await resolveInside(ctx.workspace, fromRel, `input.files[${i}].from`);
      const to = await resolveInside(ctx.workspace, toRel, `input.files[${i}].to`);
      if (!(await exists(from))) throw inputError(`files[${i}].from`, `expected an existing file in the workspace, found nothing at ${JSON.stringify(fromRel)}`);
      if ((await exists(to)) && !bool(entry, 'overwrite', false)) {
        throw inputError(`files[${i}].to`, `expected a free path, found ${JSON.stringify(toRel)} already there (set overwrite: true to replace it)`);
      }
      await mkdir(dirname(to), { recursive: true });
      await rm(to, { recursive: true, force: true });
      await rename(from, to);
      ctx.log(`renamed ${fromRel} to ${toRel}`);
      moved.push({ from: fromRel, to: toRel });
    }
    return { moved };
  },
};

export const fsDelete: Action = {
  id: 'fs:delete',
  description: 'Deletes files inside the workspace: files: [paths or globs].',
  async run(ctx) {
    const patterns = strings(ctx.input, 'files');
    if (patterns.length === 0) throw inputError('files', 'expected a list of paths or globs, found nothing');
    const deleted: string[] = [];
    for (const [i, pattern] of patterns.entries()) {
      // Check the pattern itself first: `../x` or `/etc/*` never reach the glob.
      await resolveInside(ctx.workspace, pattern.replace(/[*?{}[\]]/g, '_'), `input.files[${i}]`);
      const matches = await glob([pattern], { cwd: ctx.workspace, dot: true, onlyFiles: false, expandDirectories: false, followSymbolicLinks: false });
      for (const m of matches.sort().reverse()) {
        const abs = await resolveInside(ctx.workspace, m.replace(/\/$/, ''), `input.files[${i}]`);
        await rm(abs, { recursive: true, force: true });
        deleted.push(relative(ctx.workspace, abs).split(sep).join('/'));
      }
    }
    ctx.log(deleted.length ? `deleted ${deleted.join(', ')}` : 'nothing matched; nothing deleted');
    return { deleted };
  },
};

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) await visit(abs);
      else out.push(relative(root, abs).split(sep).join('/'));
    }
  }
  await visit(root);
  return out.sort();
}

export const debugLog: Action = {
  id: 'debug:log',
  description: 'Writes a message to the task log; listWorkspace: true (or with-contents) lists the files.',
  async run(ctx) {
    const message = ctx.input.message;
    if (message !== undefined) ctx.log(typeof message === 'string' ? message : JSON.stringify(message));
    const list = ctx.input.listWorkspace;
    if (list === true || list === 'with-filenames' || list === 'with-contents') {
      const files = await listFiles(ctx.workspace);
      for (const f of files) {
        if (list === 'with-contents') {
          const text = await readFile(join(ctx.workspace, f), 'utf8');
          ctx.log(`${f}:\n${text.length > 2000 ? `${text.slice(0, 2000)}\n...` : text}`);
        } else ctx.log(f);
      }
    }
    return {};
  },
};
