import type { JobView, RunStatus, StepView } from './api.js';
import type { BadgeTone } from './components/StatusBadge.js';
import { formatDuration } from './formatDuration.js';

/** Statuses a run, a job or a step can have, for shared glyphs, words and colours. */
export type PipelineStatus = RunStatus | JobView['status'] | StepView['status'];

export const STATUS_GLYPH: Record<PipelineStatus, string> = {
  queued: '○',
  pending: '○',
  running: '◐',
  succeeded: '✓',
  failed: '✕',
  skipped: '↷',
  cancelled: '⊘',
  timed_out: '⏱',
};

export const STATUS_LABEL: Record<PipelineStatus, string> = {
  queued: 'Queued',
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
};

export const STATUS_TONE: Record<PipelineStatus, BadgeTone> = {
  queued: 'pending',
  pending: 'pending',
  running: 'info',
  succeeded: 'ok',
  failed: 'error',
  skipped: 'neutral',
  cancelled: 'warning',
  timed_out: 'error',
};

export const TERMINAL_RUN = new Set<RunStatus>(['succeeded', 'failed', 'cancelled']);

/** A commit as tables show it: the first 12 hex digits. */
export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/** How long a run or job took, or has been running until `now`; '' before it started. */
export function elapsed(item: { startedAt: string | null; finishedAt: string | null; durationMs?: number | null }, now: number): string {
  // A run that failed before it started (a broken pipeline file) has a duration of 0: nothing ran.
  if (!item.startedAt) return '';
  if (item.durationMs !== undefined && item.durationMs !== null) return formatDuration(item.durationMs);
  const start = Date.parse(item.startedAt);
  const end = item.finishedAt ? Date.parse(item.finishedAt) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) return '';
  return formatDuration(Math.max(0, end - start));
}

/** `812 B`, `14.2 KiB`, `3.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
}

/** `push` → "Push", for the trigger column. */
export function eventLabel(event: string): string {
  return event === 'push' ? 'Push' : event === 'manual' ? 'Manual' : event === 'webhook' ? 'Webhook' : event;
}

// CSI (colours, cursor moves), OSC (titles, links; ended by BEL or ESC \) and the remaining two-byte escapes.
// eslint-disable-next-line no-control-regex -- matching terminal control bytes is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// Other control characters a terminal would not print (tab, newline and carriage return are handled apart).
// eslint-disable-next-line no-control-regex -- as above
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * Process output as plain text: escape sequences removed, CRLF as LF, and a line redrawn with carriage returns
 * (progress bars) shown as its last state, the way a terminal would leave it.
 */
export function plainLogText(raw: string): string {
  const text = raw.replace(ANSI, '').replace(CONTROL, '').replace(/\r+\n/g, '\n');
  if (!text.includes('\r')) return text;
  return text
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      // A trailing \r before more output is the start of a redraw; an empty last part keeps the previous one.
      for (let i = parts.length - 1; i >= 0; i--) if (parts[i]) return parts[i];
      return '';
    })
    .join('\n');
}
