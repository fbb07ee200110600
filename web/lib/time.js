/*
 * Times and waits, shared by the widget and the agent console.
 *
 * Why it exists: both pages show server timestamps (ISO 8601) in the
 * reader's locale, and both back off before reconnecting their streams.
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The Date of an ISO timestamp, or null when there is none or it is invalid. */
export function dateOf(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A timestamp to read: today's as the time alone, older ones with the date. */
export function timeText(iso) {
  if (!iso) return '—';
  const d = dateOf(iso);
  if (!d) return iso;
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

/** A duration, short: 42s, 3m 07s, 2h 05m, 1d 4h. */
export function ageText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
