/**
 * Gantry's small vocabulary of domain errors. They know nothing about HTTP: the server maps them to status
 * codes in exactly one place (src/server/problem.ts) and the CLI maps them to exit codes.
 */

/** Where in a source file a problem was found (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * One validation problem, as data. Rendered three ways: CLI text (file:line:col), the portal, and
 * RFC 9457 problem details in the API.
 */
export interface Problem {
  /** Stable machine-readable code, e.g. `invalid_name`, `yaml_syntax`, `unknown_kind`. */
  code: string;
  /** Dotted field path inside the document, e.g. `metadata.name`, or `` for the whole document. */
  path: string;
  /** Human message naming the field, what was expected and what was found. */
  message: string;
  /** Where the problem is, when it comes from a file. */
  position?: SourcePosition;
  /** `error` problems reject the document; `warning` ones are reported only. */
  severity?: 'error' | 'warning';
}

export type ErrorCode =
  | 'input'
  | 'not_found'
  | 'conflict'
  | 'not_allowed'
  | 'not_authenticated'
  | 'unavailable'
  | 'internal';

export interface GantryErrorOptions {
  cause?: unknown;
  problems?: Problem[];
  details?: Record<string, unknown>;
}

/** Base of every domain error. Keeps the cause so a chain can be printed. */
export class GantryError extends Error {
  readonly code: ErrorCode = 'internal';
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;

  constructor(message: string, options: GantryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.problems = options.problems ?? [];
    this.details = options.details ?? {};
  }
}

/** The request or the input document is wrong; `problems` says where. */
export class InputError extends GantryError {
  override readonly code = 'input' as const;
}

export class NotFoundError extends GantryError {
  override readonly code = 'not_found' as const;
}

export class ConflictError extends GantryError {
  override readonly code = 'conflict' as const;
}

/** Authenticated, but this actor may not do this. */
export class NotAllowedError extends GantryError {
  override readonly code = 'not_allowed' as const;
}

/** No valid credentials were presented. */
export class NotAuthenticatedError extends GantryError {
  override readonly code = 'not_authenticated' as const;
}

/** A dependency (git remote, database) did not answer. */
export class UnavailableError extends GantryError {
  override readonly code = 'unavailable' as const;
}

export function isGantryError(e: unknown): e is GantryError {
  return e instanceof GantryError;
}

/** Formats a problem as `file:line:col: path: message` for terminals and logs. */
export function formatProblem(p: Problem): string {
  const where = p.position ? `${p.position.file}:${p.position.line}:${p.position.column}: ` : '';
  // Messages usually start with their field path already; don't say it twice.
  const path = p.path && !p.message.startsWith(p.path) ? `${p.path}: ` : '';
  return `${where}${p.severity === 'warning' ? 'warning: ' : ''}${path}${p.message}`;
}

/** Message of an error and its causes, joined, for logs and the CLI. */
export function errorChain(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': caused by: ');
}
