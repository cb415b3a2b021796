import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written to a log, whatever the caller passes. */
const SECRET_KEYS = /(token|secret|password|authorization|cookie|api[-_]?key|private[-_]?key)/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Also append JSON lines to this file (the workspace's logs/gantry.log). */
  file?: string;
  /** Write to stderr: `json` lines, `pretty` one-liners, or nothing. */
  console?: 'json' | 'pretty' | 'none';
}

/** Replaces the values of secret-looking keys, recursively, so secrets never reach a log line. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** A small structured logger: JSON lines to a file and/or stderr, secrets redacted by key. */
export function createLogger(opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  if (opts.file) mkdirSync(dirname(opts.file), { recursive: true });
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const rec = { time: new Date().toISOString(), level, msg, ...(redact({ ...base, ...fields }) as object) };
    const line = JSON.stringify(rec);
    if (opts.file) {
      try {
        appendFileSync(opts.file, line + '\n');
      } catch {
        // A full or read-only disk must not take the platform down with it.
      }
    }
    if (opts.console === 'json') process.stderr.write(line + '\n');
    else if (opts.console === 'pretty') {
      const extra = Object.entries(redact({ ...base, ...fields }) as object)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      process.stderr.write(`${rec.time.slice(11, 19)} ${level.padEnd(5)} ${msg}${extra ? ' ' + extra : ''}\n`);
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** A logger that writes nothing (tests, quiet runs). */
export const silentLogger: Logger = createLogger({ console: 'none' });
