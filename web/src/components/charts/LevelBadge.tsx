import type { PerformanceLevel } from '../../../../src/metrics/index.js';

const TEXT: Record<PerformanceLevel, string> = { elite: 'Elite', high: 'High', medium: 'Medium', low: 'Low' };
const PIPS: Record<PerformanceLevel, number> = { elite: 4, high: 3, medium: 2, low: 1 };

export interface LevelBadgeProps {
  /** null: no data to rate (no deployments, no changes…). */
  level: PerformanceLevel | null;
  large?: boolean;
  /** Overrides the tooltip. */
  title?: string;
}

/**
 * A DORA performance level (elite, high, medium, low) as a badge: its own colour, its name, and a four-pip meter
 * so the level reads without colour too.
 */
export function LevelBadge({ level, large, title }: LevelBadgeProps) {
  const filled = level ? PIPS[level] : 0;
  return (
    <span
      className={`level-badge level-${level ?? 'none'}${large ? ' level-badge-large' : ''}`}
      data-level={level ?? 'none'}
      title={title ?? (level ? `${TEXT[level]} performance` : 'Not enough data for a level')}
    >
      <span className="level-pips" aria-hidden="true">
        {[1, 2, 3, 4].map((i) => (
          <span key={i} className={i <= filled ? 'level-pip on' : 'level-pip'} />
        ))}
      </span>
      {level ? TEXT[level] : 'No data'}
    </span>
  );
}
