import type { Severity } from '../model/facts.js';

/**
 * Conventions shared by the GitHub and GitLab parsers (and the import's severity field): how labels name
 * incidents, severities and components, how an issue names its root cause, and how a deployment says it is a
 * hotfix or a rollback.
 */

const WORDS: Record<string, Severity> = { critical: 'sev1', high: 'sev2', medium: 'sev3', low: 'sev4' };

/**
 * One label or value as a severity: `sev1`, `sev-1`, `p1`, `critical`/`high`/`medium`/`low`, and any of these
 * (or a bare 1–4) after `severity:` / `severity::` (GitLab scoped labels). `bareNumber` also reads `1`..`4`
 * alone (an import's severity field, where the field name says what it is). Null when it is none of these.
 */
export function parseSeverity(value: string, opts: { bareNumber?: boolean } = {}): Severity | null {
  let s = value.trim().toLowerCase();
  let scoped = opts.bareNumber === true;
  const prefixed = /^severity\s*::?\s*(.+)$/.exec(s);
  if (prefixed?.[1]) {
    s = prefixed[1].trim();
    scoped = true;
  }
  const numbered = /^(?:sev(?:erity)?[-_ ]?|p)([1-4])$/.exec(s) ?? (scoped ? /^([1-4])$/.exec(s) : null);
  if (numbered) return `sev${numbered[1]}` as Severity;
  return WORDS[s] ?? null;
}

/** The most severe severity the labels name, or null when none names one. */
export function severityFromLabels(labels: readonly string[]): Severity | null {
  let best: Severity | null = null;
  for (const label of labels) {
    const sev = parseSeverity(label);
    if (sev && (best === null || sev < best)) best = sev;
  }
  return best;
}

/** Whether a label named `incident` (any case) is among the labels. */
export function hasIncidentLabel(labels: readonly string[]): boolean {
  return labels.some((l) => l.trim().toLowerCase() === 'incident');
}

/** Names from `component:<name>` (or GitLab's scoped `component::<name>`) labels, in label order, once each. */
export function componentsFromLabels(labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const label of labels) {
    const m = /^component\s*::?\s*(\S.*)$/i.exec(label.trim());
    const name = m?.[1]?.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * The commit named by `root cause: <sha>` (7–40 hex digits, any case) in an issue's text, lower-cased: the
 * convention of Google's Four Keys (https://github.com/dora-team/fourkeys), so teams moving over keep it.
 */
export function causeShaIn(text: string | null): string | null {
  if (!text) return null;
  const m = /\broot cause:\s*([0-9a-f]{7,40})(?![0-9a-z])/i.exec(text);
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** A ref (branch name or `refs/heads/…`) starting with `hotfix/` or `hotfix-`. */
export function isHotfixRef(ref: string | null): boolean {
  return ref !== null && /^(?:refs\/heads\/)?hotfix[/-]/i.test(ref);
}

/** Text that says the deployment puts an earlier release back: rollback, roll back, revert (any case). */
export function mentionsRollback(text: string | null): boolean {
  return text !== null && /roll(?:ed|ing)?[\s_-]?back|revert/i.test(text);
}
