import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { createApp } from './server.js';
import { startTracing } from './tracing.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // A bad setting stops the service with one line that names the variable.
  console.error(`error: ${(err as Error).message}`);
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel, base: { service: config.service } });
const tracing = await startTracing({ service: config.service });
const app = createApp({ service: config.service, logger, metrics: createMetrics({ service: config.service }) });

app.server.listen(config.port, config.host, () => {
  const { port } = app.server.address() as AddressInfo;
  logger.info('listening', { host: config.host, port, tracing_export: tracing.exporting });
});

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  app.setReady(false);
  // Open connections get 10 s to finish; then the process exits anyway.
  setTimeout(() => process.exit(1), 10_000).unref();
  app.server.close(() => {
    tracing.shutdown().finally(() => process.exit(0));
  });
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('unhandledRejection', (err) => {
  logger.error('unhandled rejection', { err });
  process.exit(1);
});
