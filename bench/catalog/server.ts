// The platform under test, in its own process so the benchmark's clients do not share its event loop.
import { startPlatform } from '../../src/platform.js';

const platform = await startPlatform({
  workspaceDir: process.argv[2]!,
  port: 0,
  seedSample: false,
  worker: false,
  quiet: true,
  ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL, pgSchema: process.env.BENCH_PG_SCHEMA } : {}),
});
process.stdout.write(JSON.stringify({ url: platform.url, token: platform.adminToken }) + '\n');
process.on('SIGTERM', () => {
  void platform.stop().then(() => process.exit(0));
});
