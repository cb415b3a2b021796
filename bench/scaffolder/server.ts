// The platform under test for the provisioning benchmark, in its own process, with its in-process worker and
// the built-in golden paths and the sample organisation (node-service needs an owning team).
import { startPlatform } from '../../src/platform.js';

const platform = await startPlatform({
  workspaceDir: process.argv[2]!,
  port: 0,
  seedSample: true,
  quiet: true,
  ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL, pgSchema: process.env.BENCH_PG_SCHEMA } : {}),
});
process.stdout.write(JSON.stringify({ url: platform.url, token: platform.adminToken }) + '\n');
process.on('SIGTERM', () => {
  void platform.stop().then(() => process.exit(0));
});
