import { chmod, copyFile, lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { renderString, RenderError } from '../../model/render.js';
import { isLocalSkeletonUrl } from '../../model/template.js';
import { assertNoLinks, isInside, pathError, resolveInside } from '../paths.js';
import type { Action, ActionContext } from '../types.js';
import { bool, inputError, record, str, strings } from './input.js';

/** A file of a skeleton: its path relative to the skeleton folder, and whether it may be executed. */
interface SkeletonFile {
  rel: string;
  abs: string;
  mode: number;
}

/** Resolves a skeleton `url` against the template's folder; it must stay inside the template's source. */
async function skeletonPath(ctx: ActionContext, url: string): Promise<string> {
  if (!isLocalSkeletonUrl(url)) {
    throw inputError('url', `expected a relative path inside the template's source (such as ./skeleton), found ${JSON.stringify(url)}`);
  }
  const abs = resolve(ctx.template.dir, url);
  if (!isInside(ctx.template.root, abs)) throw inputError('url', `expected a path inside the template's source, found ${JSON.stringify(url)}`);
  await assertNoLinks(ctx.template.root, abs, 'input.url', url);
  try {
    await stat(abs);
  } catch {
    throw inputError('url', `expected an existing file or folder next to the template, found nothing at ${JSON.stringify(url)}`);
  }
  return abs;
}

/** Every regular file below `dir` (a symbolic link anywhere in a skeleton is refused: it could point outside). */
async function walk(dir: string, shownAs: string): Promise<SkeletonFile[]> {
  const out: SkeletonFile[] = [];
  async function visit(cur: string): Promise<void> {
    for (const entry of await readdir(cur, { withFileTypes: true })) {
      const abs = join(cur, entry.name);
      const rel = relative(dir, abs).split(sep).join('/');
      if (entry.isSymbolicLink()) throw pathError('input.url', `expected a skeleton without symbolic links, found ${shownAs}/${rel}`);
      if (entry.isDirectory()) {
        if (entry.name === '.git') continue;
        await visit(abs);
      } else if (entry.isFile()) {
        out.push({ rel, abs, mode: (await lstat(abs)).mode & 0o777 });
      }
    }
  }
  await visit(dir);
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

function renderIn(file: string, text: string, values: Record<string, unknown>): string {
  try {
    return renderString(text, { values });
  } catch (e) {
    const where = e instanceof RenderError && e.line !== null ? `:${e.line}:${e.column ?? 1}` : '';
    throw inputError('url', `${file}${where}: expected valid template syntax, found an error: ${(e as Error).message}`);
  }
}

/** Copies (and, for fetch:template, renders) `files` into `target`. Returns the written paths, workspace-relative. */
async function writeFiles(
  ctx: ActionContext,
  files: SkeletonFile[],
  target: string,
  opts: { render: boolean; values: Record<string, unknown>; verbatim: Set<string>; extension: string | null; replace: boolean; shownAs: string },
): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    let rel = f.rel;
    let render = opts.render && !opts.verbatim.has(f.rel);
    if (render && opts.extension !== null) {
      // With templateFileExtension only files carrying it are rendered, and the extension is dropped.
      if (rel.endsWith(opts.extension)) rel = rel.slice(0, -opts.extension.length);
      else render = false;
    }
    if (opts.render) {
      // Paths are always rendered (Backstage does too); an empty segment drops the file.
      const segments = rel.split('/').map((s) => renderIn(`${opts.shownAs}/${f.rel} (its path)`, s, opts.values));
      if (segments.some((s) => s.trim() === '')) continue;
      rel = segments.join('/');
    }
    const dest = await resolveInside(target, rel, `the rendered path of ${opts.shownAs}/${f.rel}`);
    const shown = relative(ctx.workspace, dest).split(sep).join('/');
    const exists = await lstat(dest).then(
      () => true,
      () => false,
    );
    if (exists && !opts.replace) {
      ctx.log(`kept existing ${shown}`);
      continue;
    }
    await mkdir(dirname(dest), { recursive: true });
    if (render) {
      const buf = await readFile(f.abs);
      if (isBinary(buf)) await writeFile(dest, buf);
      else await writeFile(dest, renderIn(`${opts.shownAs}/${f.rel}`, buf.toString('utf8'), opts.values));
    } else {
      await copyFile(f.abs, dest);
    }
    await chmod(dest, f.mode | 0o600);
    written.push(shown);
  }
  return written;
}

export const fetchTemplate: Action = {
  id: 'fetch:template',
  description: 'Renders a skeleton folder with the given values into the workspace (Nunjucks, ${{ values.x }}).',
  async run(ctx) {
    const url = str(ctx.input, 'url', { required: true });
    const src = await skeletonPath(ctx, url);
    if (!(await stat(src)).isDirectory()) throw inputError('url', `expected a folder, found the file ${JSON.stringify(url)}`);
    const target = await resolveInside(ctx.workspace, str(ctx.input, 'targetPath', { fallback: '.' }), 'input.targetPath');
    const values = record(ctx.input, 'values');
    const ext = ctx.input.templateFileExtension;
    const extension = ext === true ? '.njk' : typeof ext === 'string' && ext ? (ext.startsWith('.') ? ext : `.${ext}`) : null;
    const patterns = strings(ctx.input, 'copyWithoutTemplating');
    const verbatim = new Set(patterns.length ? await glob(patterns, { cwd: src, dot: true, onlyFiles: true, expandDirectories: false }) : []);
    const files = await walk(src, url);
    const written = await writeFiles(ctx, files, target, {
      render: true,
      values,
      verbatim,
      extension,
      replace: bool(ctx.input, 'replace', false),
      shownAs: url.replace(/\/+$/, ''),
    });
    ctx.log(`rendered ${written.length} file${written.length === 1 ? '' : 's'} from ${url}`);
    return { files: written };
  },
};

export const fetchPlain: Action = {
  id: 'fetch:plain',
  description: 'Copies a file or folder from the template into the workspace as it is.',
  async run(ctx) {
    const url = str(ctx.input, 'url', { required: true });
    const src = await skeletonPath(ctx, url);
    const target = await resolveInside(ctx.workspace, str(ctx.input, 'targetPath', { fallback: '.' }), 'input.targetPath');
    const st = await stat(src);
    const files = st.isDirectory() ? await walk(src, url) : [{ rel: src.split(sep).pop()!, abs: src, mode: st.mode & 0o777 }];
    const written = await writeFiles(ctx, files, target, {
      render: false,
      values: {},
      verbatim: new Set(),
      extension: null,
      replace: bool(ctx.input, 'replace', false),
      shownAs: url,
    });
    ctx.log(`copied ${written.length} file${written.length === 1 ? '' : 's'} from ${url}`);
    return { files: written };
  },
};
