import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from '../build.mjs';
import { createStaticServer } from '../serve.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Every href and src in an HTML text. */
function targets(html) {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
}

describe('site build', () => {
  let out;
  let files;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'site-'));
    files = await build({ root: ROOT, outDir: out });
  });
  after(() => rm(out, { recursive: true, force: true }));

  it('writes one page per content file, an index and the static files', () => {
    assert.ok(files.includes('index.html'));
    assert.ok(files.includes('getting-started.html'));
    assert.ok(files.includes('style.css'));
  });

  it('lists every page on the index', async () => {
    const index = await readFile(join(out, 'index.html'), 'utf8');
    for (const page of files.filter((f) => f.endsWith('.html') && f !== 'index.html')) {
      assert.match(index, new RegExp(`<li><a href="${page}">`), `index.html should list ${page}`);
    }
  });

  it('has no link that does not resolve: every local target exists, and so does its #fragment', async () => {
    const broken = [];
    for (const page of files.filter((f) => f.endsWith('.html'))) {
      const html = await readFile(join(out, page), 'utf8');
      for (const target of targets(html)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // external (https:, mailto:)
        const [path, fragment] = target.split('#');
        const file = path === '' ? page : path;
        if (!existsSync(join(out, file))) {
          broken.push(`${page}: ${target} (no ${file})`);
          continue;
        }
        if (fragment) {
          const targetHtml = await readFile(join(out, file), 'utf8');
          if (!targetHtml.includes(`id="${fragment}"`)) broken.push(`${page}: ${target} (no id "${fragment}" in ${file})`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('rejects a site.json without a name, naming the field', async () => {
    const root = await mkdtemp(join(tmpdir(), 'site-bad-'));
    try {
      const { writeFile, mkdir } = await import('node:fs/promises');
      await writeFile(join(root, 'site.json'), '{"description":"x"}');
      await mkdir(join(root, 'content'));
      await assert.rejects(build({ root }), /site\.json: expected "name" to be a non-empty string, found undefined/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('serves the built files and /healthz, and nothing outside the folder', async () => {
    const server = createStaticServer(out);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const home = await fetch(`${base}/`);
      assert.equal(home.status, 200);
      assert.match(home.headers.get('content-type'), /^text\/html/);
      assert.equal((await fetch(`${base}/getting-started`)).status, 200);
      assert.equal((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
      assert.equal((await fetch(`${base}/%E0%A4%A`)).status, 400);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
