import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ResolvedWorkload } from '../../src/environments/model/types.js';

/** Helpers for the local driver's process tests (test/environments/local*.test.ts). */

/** The fixture app's folder, used as an unpacked release bundle. */
export const APP_DIR = fileURLToPath(new URL('./fixtures/app/', import.meta.url));

export function tmpWorkspace(): string {
  return mkdtempSync(join(tmpdir(), 'gantry-local-'));
}

export interface AppOptions {
  component?: string;
  environment?: string;
  env?: Record<string, string>;
  secretEnv?: string[];
  args?: string[];
  /** Without service ports the workload is a worker (not routed). */
  ports?: boolean;
}

/** A resolved workload running the fixture app (`node server.mjs`) as release `release`. */
export function appWorkload(release: string, o: AppOptions = {}): ResolvedWorkload {
  return {
    component: o.component ?? 'orders',
    environment: o.environment ?? 'dev',
    releaseId: release,
    sha: '0'.repeat(40),
    artifactDigest: null,
    annotations: {},
    ports: o.ports === false ? [] : [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    resources: {},
    containers: [{ name: 'main', image: '.', command: [process.execPath, 'server.mjs'], args: o.args, env: { RELEASE: release, ...o.env }, secretEnv: o.secretEnv ?? [] }],
  };
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** One HTTP request to 127.0.0.1:`port` with the given Host header. */
export function httpRequest(port: number, host: string, path: string, o: { method?: string; body?: string | Buffer; agent?: Agent; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', agent: o.agent, headers: { host, ...o.headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

/** Whether a pid names no running process (gone, or a zombie nobody reaped yet). */
export function processGone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    const s = readFileSync(stat, 'utf8');
    return /^[ZX]/.test(s.slice(s.lastIndexOf(')') + 2));
  } catch {
    return true;
  }
}
