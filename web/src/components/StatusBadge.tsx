import type { ReactNode } from 'react';

export type BadgeTone = 'ok' | 'warning' | 'error' | 'neutral' | 'info' | 'pending';

const GLYPH: Record<BadgeTone, string> = {
  ok: '✓',
  warning: '!',
  error: '✕',
  neutral: '',
  info: '',
  pending: '…',
};

export interface StatusBadgeProps {
  tone: BadgeTone;
  children: ReactNode;
  title?: string;
}

/** A small pill whose meaning is in its text and glyph too, never in its colour alone. */
export function StatusBadge({ tone, children, title }: StatusBadgeProps) {
  const glyph = GLYPH[tone];
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {glyph && (
        <span className="badge-glyph" aria-hidden="true">
          {glyph}
        </span>
      )}
      {children}
    </span>
  );
}
