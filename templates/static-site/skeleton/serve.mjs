/**
 * Serves dist/ for a local preview (`npm start`), with /healthz like the container. In production nginx
 * serves the same files (see Dockerfile and nginx/default.conf). No dependencies.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** @param {string} dir the folder to serve */
export function createStaticServer(dir) {
  const root = normalize(dir + sep);
  return createServer(async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: the path is not valid percent-encoding\n');
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const candidates = path.endsWith('/') ? [`${path}index.html`] : [path, `${path}.html`];
    for (const candidate of candidates) {
      const file = normalize(join(root, candidate));
      // Never serve outside the folder (`/../secret`).
      if (!file.startsWith(root)) break;
      const info = await stat(file).catch(() => null);
      if (info?.isFile()) {
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': info.size });
        createReadStream(file).pipe(res);
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8080);
  const server = createStaticServer(fileURLToPath(new URL('./dist/', import.meta.url)));
  server.listen(port, () => console.log(`serving dist/ on http://localhost:${server.address().port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
