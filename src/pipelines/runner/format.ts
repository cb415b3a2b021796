/** `5 MiB`, `64 KiB`, `1000 bytes`. */
export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${n} bytes`;
}

/** A timeout as the pipeline file writes it: `5m`, `1h`, `90s`, `1.5s`, `250ms`. */
export function formatDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${ms}ms`;
}

/** Node fires a timer longer than 2^31-1 ms (about 24.8 days) at once; a longer timeout waits that long instead. */
export function timerMs(ms: number): number {
  return Math.min(ms, 2 ** 31 - 1);
}
