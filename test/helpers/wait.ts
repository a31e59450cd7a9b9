export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `cond` until it holds (a condition that throws counts as not yet), or throws after `ms`.
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 10_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await Promise.resolve().then(cond).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(everyMs);
  }
}

/**
 * Polls `get` until `ok` holds for what it returns, and returns that value; throws after `ms`,
 * naming `what` and the last value seen (or the error `get` threw).
 */
export async function waitFor<T>(
  get: () => T | Promise<T>,
  ok: (value: T) => boolean,
  opts: { what?: string; ms?: number; everyMs?: number } = {},
): Promise<T> {
  const ms = opts.ms ?? 10_000;
  type Seen = { value: T } | { error: unknown };
  const seen: { last: Seen | null } = { last: null };
  try {
    await waitUntil(
      async () => {
        try {
          seen.last = { value: await get() };
        } catch (error) {
          seen.last = { error };
          return false;
        }
        return ok(seen.last.value);
      },
      ms,
      opts.everyMs,
    );
  } catch {
    const last = seen.last === null ? 'nothing' : 'value' in seen.last ? JSON.stringify(seen.last.value) : String(seen.last.error);
    throw new Error(`timed out after ${ms} ms waiting for ${opts.what ?? 'a condition'}; last: ${last}`);
  }
  return (seen.last as { value: T }).value;
}
