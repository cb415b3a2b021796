/**
 * Builds the site: every `content/*.md` becomes `dist/<name>.html` in one layout with a navigation bar,
 * `dist/index.html` lists every page (below `content/index.md`'s text when there is one), and `static/` is
 * copied as it is. No dependencies: `node build.mjs`.
 */
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { escapeHtml, renderMarkdown } from './lib/markdown.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** `other.md` and `other.md#part` (relative, same folder) point at the built `other.html`. */
function mdToHtml(href) {
  return href.replace(/^([^:/?#]+)\.md(#.*)?$/, (_, name, hash) => `${name}.html${hash ?? ''}`);
}

function layout({ site, title, body, pages, current }) {
  const nav = [`<a href="index.html"${current === 'index' ? ' aria-current="page"' : ''}>Home</a>`]
    .concat(pages.map((p) => `<a href="${p.name}.html"${current === p.name ? ' aria-current="page"' : ''}>${p.title}</a>`))
    .join('\n        ');
  const pageTitle = current === 'index' ? escapeHtml(site.name) : `${title} · ${escapeHtml(site.name)}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="description" content="${escapeHtml(site.description)}">
    <title>${pageTitle}</title>
    <link rel="stylesheet" href="style.css">
  </head>
  <body>
    <header>
      <nav>
        ${nav}
      </nav>
    </header>
    <main>
${body}
    </main>
  </body>
</html>
`;
}

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * @param {{ root?: string, outDir?: string }} [options] `root` holds site.json, content/ and static/;
 *   `outDir` defaults to `<root>/dist` and is emptied first.
 * @returns {Promise<string[]>} the files written, relative to outDir.
 */
export async function build(options = {}) {
  const root = options.root ?? ROOT;
  const outDir = options.outDir ?? join(root, 'dist');
  const site = JSON.parse(await readFile(join(root, 'site.json'), 'utf8'));
  for (const key of ['name', 'description']) {
    if (typeof site[key] !== 'string' || site[key] === '') {
      throw new Error(`site.json: expected "${key}" to be a non-empty string, found ${JSON.stringify(site[key])}`);
    }
  }
  const contentDir = join(root, 'content');
  const files = (await readdir(contentDir)).filter((f) => f.endsWith('.md')).sort();

  const pages = [];
  let home = null;
  for (const file of files) {
    const name = basename(file, '.md');
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      throw new Error(`content/${file}: expected a file name of lower-case letters, digits and dashes (it becomes the page's URL)`);
    }
    const doc = renderMarkdown(await readFile(join(contentDir, file), 'utf8'), { link: mdToHtml });
    const page = { name, title: doc.title ?? escapeHtml(name), html: doc.html };
    if (name === 'index') home = page;
    else pages.push(page);
  }

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const written = [];
  for (const page of pages) {
    await writeFile(join(outDir, `${page.name}.html`), layout({ site, title: page.title, body: page.html, pages, current: page.name }));
    written.push(`${page.name}.html`);
  }
  const list = pages.map((p) => `<li><a href="${p.name}.html">${p.title}</a></li>`).join('\n');
  const intro = home ? home.html : `<h1>${escapeHtml(site.name)}</h1>\n<p>${escapeHtml(site.description)}</p>`;
  const index = `${intro}\n<h2 id="pages">Pages</h2>\n<ul class="pages">\n${list}\n</ul>`;
  await writeFile(join(outDir, 'index.html'), layout({ site, title: escapeHtml(site.name), body: index, pages, current: 'index' }));
  written.push('index.html');

  const staticDir = join(root, 'static');
  if (await exists(staticDir)) {
    await cp(staticDir, outDir, { recursive: true });
    written.push(...(await readdir(staticDir, { recursive: true })));
  }
  return written.sort();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await build();
  console.log(`built ${written.length} files into dist/`);
}
