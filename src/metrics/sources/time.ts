/**
 * One reading of the times the sources send: ISO-8601 (`2024-05-01T12:00:00Z`, `…+02:00`) and GitLab's Ruby
 * forms (`2024-05-01 12:00:00 UTC`, `2021-04-28 21:50:00 +0200`). A time must carry its zone (Z, UTC or an
 * offset): a bare local time would mean whatever the server's zone is, so the same payload could give
 * different facts on two machines.
 */

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$/i;

/** What a time must look like, for "expected …" in messages. */
export const TIME_EXPECTED = 'an ISO-8601 time with a zone (e.g. "2024-05-01T12:00:00Z" or "2024-05-01 12:00:00 UTC")';

/** The time as `toISOString()` (UTC, milliseconds), or undefined when `value` is not a time with a zone. */
export function normalizeTime(value: string): string | undefined {
  const m = TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone = 'Z'] = m as unknown as Array<string | undefined>;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC rolls 31 April over into 1 May; a day past the month's end is not a time.
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(local).getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  const z = zone.toUpperCase();
  if (z !== 'Z' && z !== 'UTC' && z !== 'GMT') {
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const t = new Date(local - offsetMinutes * 60_000);
  // Years outside 0000–9999 would print as ±YYYYYY; no delivery happened then.
  if (t.getUTCFullYear() < 1 || t.getUTCFullYear() > 9999) return undefined;
  return t.toISOString();
}
