import { parseLevel, type Level } from './log.js';

export interface Config {
  service: string;
  host: string;
  port: number;
  logLevel: Level;
}

/** The service's name in logs, metrics and traces. */
export const SERVICE_NAME = '${{ values.name }}';

/**
 * Reads the configuration from environment variables; a bad value stops the service with a message that
 * names the variable and what was expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const rawPort = env.PORT ?? '${{ values.port | default(8080) }}';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new Error(`PORT: expected an integer from 0 to 65535, found ${JSON.stringify(rawPort)}`);
  }
  return {
    service: env.OTEL_SERVICE_NAME || SERVICE_NAME,
    host: env.HOST || '0.0.0.0',
    port,
    logLevel: parseLevel(env.LOG_LEVEL),
  };
}
