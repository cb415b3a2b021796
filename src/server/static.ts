import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Serves the built portal from `dir`: files by path (never outside `dir`), and index.html for any other
 * path so the single-page app's routes work on reload. Hashed assets are cached for a year.
 */
export function servePortal(dir: string) {
  const root = normalize(dir + sep);
  return async (c: Context): Promise<Response> => {
    const rel = decodeURIComponent(new URL(c.req.url).pathname);
    const candidate = normalize(join(root, rel));
    let file = join(root, 'index.html');
    if (candidate.startsWith(root) && candidate !== root) {
      const s = await stat(candidate).catch(() => null);
      if (s?.isFile()) file = candidate;
    }
    const body = await readFile(file).catch(() => null);
    if (!body) {
      return c.text('The portal is not built. Run `npm run build:web` (npm install does it), then reload.', 503);
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    return c.body(body, 200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  };
}
