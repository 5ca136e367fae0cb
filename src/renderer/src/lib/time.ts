/** Calendar days and durations as the admin screens show and send them (local time). */

const pad = (n: number) => String(n).padStart(2, '0');

/** 'YYYY-MM-DD' of a date in the browser's local time zone. */
export function localDay(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The local day `days` days from `date` (negative: earlier). */
export function shiftDay(date: Date, days: number): Date {
  const next = new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, 12);
  return next;
}

/** Minutes as hours and minutes: 0 -> "0:00", 125 -> "2:05". */
export function hoursMinutes(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  return `${Math.floor(total / 60)}:${pad(total % 60)}`;
}

/** Whole seconds left until an ISO time, never negative. */
export function secondsUntil(iso: string, now: number): number {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 0;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** An ISO time as the browser's local date and time, e.g. "7 Dec, 10:02". */
export function formatDateTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
