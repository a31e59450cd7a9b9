/**
 * Delay before retry number `attempt` (1 = first retry): "full jitter" exponential backoff, i.e. a
 * uniform draw in [0, min(cap, base * 2^(attempt-1))]. Jitter spreads the retries of many workers that
 * failed together, so they do not hit the provider again in lockstep.
 */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as milliseconds from `now`: either delay-seconds ("120", "1.5" tolerated) or an
 * HTTP date. Null when absent or unparseable; never negative (a date in the past means "now").
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return null; // Date.parse takes "-5" as a year
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
