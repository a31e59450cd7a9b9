/**
 * `promise`, or a TimeoutError (`<what> timed out after <ms> ms`) once `ms` pass first. The timer is
 * cleared either way, so a settled call leaves nothing running. The promise itself is not
 * cancelled: use an AbortSignal where the callee takes one.
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
