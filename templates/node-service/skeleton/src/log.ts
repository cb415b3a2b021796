import { trace } from '@opentelemetry/api';

/** Log levels, lowest first. */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default: info. */
  level?: Level;
  /** Fields on every line, such as the service name. */
  base?: Fields;
  /** Where each line goes. Default: stdout. */
  write?: (line: string) => void;
}

/** Reads LOG_LEVEL; an unknown value is an error, not a silent default. */
export function parseLevel(value: string | undefined): Level {
  if (value === undefined || value === '') return 'info';
  const level = value.toLowerCase();
  if ((LEVELS as readonly string[]).includes(level)) return level as Level;
  throw new Error(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, found ${JSON.stringify(value)}`);
}

function errorFields(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

/**
 * Structured logs: one JSON object per line with `time`, `level` and `msg`, plus `trace_id` and `span_id`
 * when the line is written inside an OpenTelemetry span, so logs and traces can be joined.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS.indexOf(options.level ?? 'info');
  const base = options.base ?? {};
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));

  const emit = (level: Level, msg: string, fields: Fields = {}): void => {
    if (LEVELS.indexOf(level) < min) return;
    const line: Fields = { time: new Date().toISOString(), level, msg, ...base };
    const span = trace.getActiveSpan()?.spanContext();
    if (span && trace.isSpanContextValid(span)) {
      line.trace_id = span.traceId;
      line.span_id = span.spanId;
    }
    for (const [key, value] of Object.entries(fields)) line[key] = errorFields(value);
    write(JSON.stringify(line));
  };

  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}
