import { createServer } from 'node:net';
import { ConflictError } from '../../../core/errors.js';

/**
 * Where instance ports come from by default. Below Linux's ephemeral range (32768-60999), so the local ports of
 * outgoing connections (the router's own, under load) never take a port between its check and the app's bind.
 */
export const DEFAULT_PORT_RANGE: readonly [number, number] = [20_000, 29_999];

/**
 * Whether nothing listens on `port`: a bind on the wildcard address, which on Linux conflicts with a listener on
 * any address, loopback included.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A free port in `range` that is not in `taken` (ports this platform already gave out: an instance may not have
 * bound its port yet), added to `taken` before it is returned. A candidate is reserved while it is checked, so
 * concurrent allocations never return the same port. Starts at a random point so platforms sharing a machine
 * rarely probe the same ports.
 */
export async function allocatePort(range: readonly [number, number], taken: Set<number>): Promise<number> {
  const [lo, hi] = range;
  const size = hi - lo + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = lo + ((start + i) % size);
    if (taken.has(port)) continue;
    taken.add(port);
    if (await isPortFree(port)) return port;
    taken.delete(port);
  }
  throw new ConflictError(`no free port left in ${lo}-${hi} for a new instance; stop some workloads or widen the local driver's port range`, {
    problems: [{ code: 'ports_exhausted', path: 'portRange', message: `portRange: every port in ${lo}-${hi} is in use` }],
  });
}

/** Checks a port range option: integers, 1024 <= lo <= hi <= 65535. */
export function portRangeProblem(range: readonly [number, number]): string | null {
  const [lo, hi] = range;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1024 || hi > 65_535 || lo > hi) return `portRange: expected [low, high] with 1024 <= low <= high <= 65535, found [${lo}, ${hi}]`;
  return null;
}
