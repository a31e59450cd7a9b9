import { appendFileSync } from 'node:fs';
import diagnostics_channel from 'node:diagnostics_channel';

/**
 * Loaded into the API process by the SSE benchmark (`--import`): listens to the fan-out's timing
 * points (src/api/sse/fan-out-trace.ts) and, after each burst (no announcement or write for
 * QUIET_MS), appends `{"received":ms,"lastAnnounced":ms,"lastWrite":ms,"writes":n}` (wall clock ms:
 * first and last announcement of the burst, return of its last frame write) to SSE_TRACE_FILE.
 */
const QUIET_MS = 700;
const file = process.env.SSE_TRACE_FILE;
const wallNow = () => performance.timeOrigin + performance.now();
let burst: { received: number; lastAnnounced: number; lastWrite: number; writes: number } | null = null;
let quiet: NodeJS.Timeout | null = null;

function touch(): void {
  if (quiet) quiet.refresh();
  else {
    quiet = setTimeout(() => {
      quiet = null;
      if (burst && file) appendFileSync(file, `${JSON.stringify(burst)}\n`);
      burst = null;
    }, QUIET_MS);
    quiet.unref();
  }
}

if (file) {
  diagnostics_channel.subscribe('scout.sse.announced', () => {
    const now = wallNow();
    burst ??= { received: now, lastAnnounced: now, lastWrite: 0, writes: 0 };
    burst.lastAnnounced = now;
    touch();
  });
  diagnostics_channel.subscribe('scout.sse.written', () => {
    const now = wallNow();
    burst ??= { received: now, lastAnnounced: now, lastWrite: 0, writes: 0 };
    burst.lastWrite = now;
    burst.writes++;
    touch();
  });
}
