import type { DeploymentAction, DeploymentStatus, DeploymentView, EnvironmentView, FreezeWindow, MatrixCell, RuntimeState } from '../api.js';
import { formatAbsoluteTime } from '../formatTime.js';
import type { BadgeTone } from './StatusBadge.js';

/** Words, colours and ordering rules the environment pages share; pure, so they are tested without a browser. */

export const DEPLOYMENT_STATUS_LABEL: Record<DeploymentStatus, string> = {
  awaiting_approval: 'Awaiting approval',
  queued: 'Queued',
  deploying: 'Deploying',
  succeeded: 'Succeeded',
  failed: 'Failed',
  rolled_back: 'Rolled back',
  rejected: 'Rejected',
  superseded: 'Superseded',
};

export const DEPLOYMENT_STATUS_TONE: Record<DeploymentStatus, BadgeTone> = {
  awaiting_approval: 'warning',
  queued: 'pending',
  deploying: 'info',
  succeeded: 'ok',
  failed: 'error',
  rolled_back: 'warning',
  rejected: 'error',
  superseded: 'neutral',
};

export const ACTION_LABEL: Record<DeploymentAction, string> = {
  deploy: 'Deploy',
  promote: 'Promotion',
  rollback: 'Rollback',
  auto: 'Auto-deploy',
  preview: 'Preview',
  reconcile: 'Reconcile',
};

export const RUNTIME_LABEL: Record<RuntimeState['state'], string> = {
  starting: 'starting',
  ready: 'ready',
  crashed: 'crashed',
  stopped: 'stopped',
  failed: 'failed',
  missing: 'not running',
  committed: 'committed',
};

export const RUNTIME_TONE: Record<RuntimeState['state'], BadgeTone> = {
  starting: 'pending',
  ready: 'ok',
  crashed: 'error',
  stopped: 'neutral',
  failed: 'error',
  missing: 'warning',
  committed: 'info',
};

/** What a runtime state means, for the badge's tooltip. */
export const RUNTIME_HELP: Record<RuntimeState['state'], string> = {
  starting: 'The process is starting and not yet ready.',
  ready: 'The process answers its readiness check.',
  crashed: 'The process exited and is being restarted with backoff.',
  stopped: 'The process was stopped.',
  failed: 'The process kept crashing; it is no longer restarted.',
  missing: 'Nothing runs here although a release is desired (drift).',
  committed: 'The manifests are committed to the environment repository; a GitOps tool applies them.',
};

/** Deployments still moving: while any is shown, pages poll. */
export const ACTIVE_DEPLOYMENT: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>(['queued', 'deploying']);

export function isActive(d: DeploymentView | null | undefined): boolean {
  return !!d && ACTIVE_DEPLOYMENT.has(d.status);
}

/** The environments in promotion order (lower `order` first, then name); previews are outside the order. */
export function orderedEnvironments(environments: EnvironmentView[]): EnvironmentView[] {
  return environments.filter((e) => e.type !== 'preview').sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

export function previewEnvironments(environments: EnvironmentView[]): EnvironmentView[] {
  return environments.filter((e) => e.type === 'preview').sort((a, b) => a.name.localeCompare(b.name));
}

/** The environment a release moves to from `name` by promotion, or null at the end of the order (and for previews). */
export function nextEnvironment(environments: EnvironmentView[], name: string): EnvironmentView | null {
  const ordered = orderedEnvironments(environments);
  const i = ordered.findIndex((e) => e.name === name);
  if (i < 0) return null;
  return ordered[i + 1] ?? null;
}

export interface RollbackTarget {
  releaseId: string;
  sha: string;
}

/**
 * The release "Roll back" returns to, chosen the way the API chooses it when none is named: the newest one that
 * succeeded in this environment and is not the current one (history newest first); null when there is none.
 * The page names it in the confirmation and sends it, so what was confirmed is what happens.
 */
export function rollbackTarget(history: DeploymentView[], current: string | null): RollbackTarget | null {
  const d = history.find((h) => h.status === 'succeeded' && h.releaseId !== current);
  if (!d) return null;
  return { releaseId: d.releaseId, sha: d.release?.sha ?? d.releaseId };
}

/** Whether `userRef` asked for `d` (the requester may not approve their own deployment). */
export function isRequester(d: DeploymentView, userRef: string): boolean {
  return d.requestedBy.toLowerCase() === userRef.toLowerCase();
}

/** `0 of 1 approvals`, `1 approval of 2`: how far a deployment is from going ahead. */
export function approvalProgress(d: Pick<DeploymentView, 'approvals' | 'requiredApprovals'>): string {
  const n = d.approvals.length;
  return `${n} of ${d.requiredApprovals} approval${d.requiredApprovals === 1 ? '' : 's'}`;
}

/** A freeze window in words: `Release freeze (until Mon 08:00)`, an absolute end in local time. */
export function freezeText(w: FreezeWindow): string {
  const end = /^\d{4}-\d{2}-\d{2}T/.test(w.end) ? formatAbsoluteTime(w.end) : `${w.end} UTC`;
  return `${w.reason?.trim() || 'Frozen'} (until ${end})`;
}

/**
 * A deployment's reason split for display: its first line (what happened) and the rest (such as the workload's
 * last log lines after a failed start), which pages show on demand.
 */
export function splitReason(reason: string): { summary: string; detail: string } {
  const i = reason.indexOf('\n');
  if (i < 0) return { summary: reason, detail: '' };
  const lines = reason.slice(i + 1).trimEnd().split('\n');
  // The lines come indented under the summary; shown apart, the common indentation goes.
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return { summary: reason.slice(0, i).trim(), detail: lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n').replace(/^\n+/, '') };
}

/** A workload value in a diff: JSON for objects, the text for strings, `(none)` when absent. */
export function diffValue(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The cell of `component` in `environment`, or an empty one when the matrix has none. */
export function cellOf(cells: Record<string, MatrixCell> | undefined, environment: string): MatrixCell {
  return cells?.[environment] ?? { desired: null, latest: null, runtime: null, url: null };
}
