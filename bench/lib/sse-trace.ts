import { appendFileSync } from 'node:fs';
import diagnostics_channel from 'node:diagnostics_channel';

/**
 * Loaded into the API process by the SSE benchmark (`--import`): listens to the fan-out's timing
 * points (src/api/sse/fan-out-trace.ts) per event sequence number (the bench's jobs all get their
 * n-th event in round n) and, once nothing happened for QUIET_MS, appends one line per seq seen,
 * `{"seq":n,"received":ms,"lastAnnounced":ms,"lastWrite":ms,"writes":n}` (wall clock ms: first and
 * last announcement of that seq, return of the last socket write holding it), to SSE_TRACE_FILE.
 */
const QUIET_MS = 500;
const file = process.env.SSE_TRACE_FILE;
const wallNow = () => performance.timeOrigin + performance.now();
interface Burst {
  seq: number;
  received: number;
  lastAnnounced: number;
  lastWrite: number;
  writes: number;
}
const bursts = new Map<number, Burst>();
let quiet: NodeJS.Timeout | null = null;

function touch(): void {
  if (quiet) quiet.refresh();
  else {
    quiet = setTimeout(() => {
      quiet = null;
      if (file) for (const b of bursts.values()) appendFileSync(file, `${JSON.stringify(b)}\n`);
      bursts.clear();
    }, QUIET_MS);
    quiet.unref();
  }
}

function burstOf(seq: number, now: number): Burst {
  let b = bursts.get(seq);
  if (!b) bursts.set(seq, (b = { seq, received: now, lastAnnounced: now, lastWrite: 0, writes: 0 }));
  return b;
}

if (file) {
  diagnostics_channel.subscribe('scout.sse.announced', (msg) => {
    const now = wallNow();
    burstOf((msg as { seq: number }).seq, now).lastAnnounced = now;
    touch();
  });
  diagnostics_channel.subscribe('scout.sse.written', (msg) => {
    const now = wallNow();
    const b = burstOf((msg as { seq: number }).seq, now);
    b.lastWrite = now;
    b.writes++;
    touch();
  });
}

/**
 * With SSE_PROFILE_DIR: SIGUSR2 starts a CPU profile of this process (the V8 profiler through
 * node:inspector), the next SIGUSR2 stops it and writes `<dir>/<n>.cpuprofile`, so the benchmark
 * profiles only its rounds, not the opening and closing of the streams.
 */
const profileDir = process.env.SSE_PROFILE_DIR;
if (profileDir) {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  let session: InstanceType<typeof Session> | null = null;
  let n = 0;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!session) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 500 });
        await session.post('Profiler.start');
        return;
      }
      const s = session;
      session = null;
      const { profile } = await s.post('Profiler.stop');
      writeFileSync(`${profileDir}/${++n}.cpuprofile`, JSON.stringify(profile));
      s.disconnect();
    })();
  });
}
