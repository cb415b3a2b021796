/** What a step prints when a write fails with ENOSPC (strerror), and what databases say for the same. */
const DISK_FULL_TEXT = /ENOSPC|No space left on device|SQLITE_FULL|database or disk is full|could not extend file/;

/** The job's failure reason when the runner's disk is full. */
export function diskFullReason(detail: string): string {
  return `the runner's disk is full (ENOSPC ${detail})`;
}

/** A write of the runner's own (cache, artifacts, logs through a hook) failed because the disk is full. */
export class DiskFullError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(diskFullReason(detail), options);
    this.name = 'DiskFullError';
  }
}

export function isDiskFull(e: unknown): boolean {
  if (e instanceof DiskFullError) return true;
  if (e && typeof e === 'object' && (e as { code?: unknown }).code === 'ENOSPC') return true;
  return DISK_FULL_TEXT.test(e instanceof Error ? e.message : String(e));
}
