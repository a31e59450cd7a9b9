import { createParser } from 'eventsource-parser';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { replyJson } from './child.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';

/**
 * Holds many SSE streams open against the API from its own process. Opens them (at most `ramp`
 * connecting at once), prints `{"open":N}` when all are open, then records, for every event whose
 * data carries `t` (the sender's wall clock in ms when it wrote the event), the delay until it was
 * parsed here. Ends when every stream got `expect` such events or `timeoutMs` passed; prints
 * `{"done":true}`, half a second later closes every stream and prints one JSON SseClientResult. Loopback targets only.
 */
export interface SseClientSpec {
  base: string;
  streams: { jobId: string; key: string }[];
  ramp: number;
  expect: number;
  timeoutMs: number;
}

export interface SseClientResult {
  opened: number;
  failed: number;
  received: number;
  expected: number;
  /** streams that got every expected event / none of them */
  streamsComplete: number;
  streamsEmpty: number;
  /** streams the server ended before the client was done */
  streamsEnded: number;
  delay: Summary;
  /** per round (the event data's `round`), the delay of the last stream to parse it: when the client had everything */
  lastParsed: number[];
}

function assertLoopback(url: string): void {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/.test(url)) throw new Error(`SSE client only targets loopback, not ${url}`);
}

async function main(spec: SseClientSpec): Promise<SseClientResult> {
  assertLoopback(spec.base);
  const u = new URL(spec.base);
  const delays: number[] = [];
  const lastParsed: number[] = [];
  let opened = 0;
  let failed = 0;
  const counts = new Array<number>(spec.streams.length).fill(0);
  let complete = 0;
  let ended = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const requests: http.ClientRequest[] = [];

  const open = (i: number) =>
    new Promise<void>((resolve) => {
      const s = spec.streams[i]!;
      const req = http.request(
        { host: u.hostname, port: u.port, path: `/pipeline/jobs/${s.jobId}/events`, agent: false, headers: { Accept: 'text/event-stream', 'X-API-Key': s.key } },
        (res) => {
          if (res.statusCode !== 200) {
            failed++;
            res.resume();
            resolve();
            return;
          }
          opened++;
          resolve();
          res.setEncoding('utf8');
          res.on('end', () => ended++);
          let now = 0;
          const parser = createParser({
            onEvent: (e) => {
              const data = (JSON.parse(e.data) as { data?: { t?: number; round?: number } }).data;
              const t = data?.t;
              if (typeof t !== 'number') return;
              delays.push(now - t);
              const round = data?.round ?? 0;
              lastParsed[round] = Math.max(lastParsed[round] ?? 0, now - t);
              if (++counts[i]! === spec.expect && ++complete === spec.streams.length) resolveDone();
            },
          });
          res.on('data', (chunk: string) => {
            now = Date.now() + (performance.now() % 1);
            parser.feed(chunk);
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
      requests.push(req);
    });

  let next = 0;
  await Promise.all(
    Array.from({ length: spec.ramp }, async () => {
      while (next < spec.streams.length) await open(next++);
    }),
  );
  process.stdout.write(`${JSON.stringify({ open: opened, failed })}\n`);
  const timer = setTimeout(resolveDone, spec.timeoutMs);
  await done;
  clearTimeout(timer);
  // tell the bench first, so it can read the server's CPU time before the closing of every stream adds to it
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
  await new Promise((r) => setTimeout(r, 500));
  for (const r of requests) r.destroy();
  return {
    opened,
    failed,
    received: delays.length,
    expected: spec.streams.length * spec.expect,
    streamsComplete: counts.filter((n) => n >= spec.expect).length,
    streamsEmpty: counts.filter((n) => n === 0).length,
    streamsEnded: ended,
    delay: summarize(delays),
    lastParsed,
  };
}

// the spec is a file: ten thousand streams do not fit in one argument
const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SseClientSpec;
replyJson(() => main(spec));
