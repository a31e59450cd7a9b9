import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';
import { readSse } from './sse-client.js';

interface RankedRow {
  rank: number;
  platform: string;
  handle: string;
  fit_score: number;
  followers: number | null;
  engagement_rate: number | null;
  rationale: string;
}

const command: Command = {
  name: 'run',
  summary: 'Start a scouting job over the HTTP API, follow its events live and print the shortlist.',
  usage:
    'scout run [--api-url URL] [--api-key KEY] [--top-k N] [--platform P]... [--country CC]... [--json] "BRIEF"\n' +
    '  --api-url defaults to $SCOUT_API_URL or http://127.0.0.1:8080; --api-key to $SCOUT_API_KEY',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'api-url': { type: 'string' },
      'api-key': { type: 'string' },
      'top-k': { type: 'string' },
      platform: { type: 'string', multiple: true },
      country: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    const brief = positionals.join(' ').trim();
    if (!brief) throw new UsageError('a brief is required');
    const base = (values['api-url'] ?? process.env.SCOUT_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    const key = values['api-key'] ?? process.env.SCOUT_API_KEY;
    if (!key) throw new UsageError('an API key is required (--api-key or $SCOUT_API_KEY)');
    const headers = { 'X-API-Key': key, 'Content-Type': 'application/json' };

    const body: Record<string, unknown> = { brief };
    if (values['top-k']) body.top_k = Number(values['top-k']);
    if (values.platform) body.platforms = values.platform;
    if (values.country) body.filters = { countries: values.country };
    const started = await fetch(`${base}/pipeline/start`, { method: 'POST', headers, body: JSON.stringify(body) });
    const startBody = (await started.json()) as { job_id?: string; detail?: string };
    if (started.status !== 202 || !startBody.job_id) {
      console.error(`start failed (${started.status}): ${startBody.detail ?? JSON.stringify(startBody)}`);
      return 1;
    }
    const jobId = startBody.job_id;
    const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
    log(`job ${jobId} started`);

    let terminal = '';
    let lastId = '0';
    // Follow the stream; if it drops before a terminal event, resume from the last id seen.
    for (let attempt = 0; !terminal && attempt < 5; attempt++) {
      const res = await fetch(`${base}/pipeline/jobs/${jobId}/events`, {
        headers: { 'X-API-Key': key, Accept: 'text/event-stream', 'Last-Event-ID': lastId },
      });
      if (!res.ok || !res.body) throw new Error(`events stream failed with ${res.status}`);
      for await (const msg of readSse(res.body)) {
        if (msg.id) lastId = msg.id;
        // each SSE message is the same event item the JSON mode returns: { seq, type, created_at, data }
        const data = (JSON.parse(msg.data) as { data?: Record<string, unknown> }).data ?? {};
        if (msg.event === 'stage_started') log(`  ▸ ${String(data.stage)}`);
        else if (msg.event === 'stage_completed')
          log(`  ✓ ${String(data.stage)} (${String(data.duration_ms ?? '?')} ms)`);
        else if (msg.event === 'warning') log(`  ! ${String(data.message ?? '')}`);
        else if (['completed', 'failed', 'cancelled'].includes(msg.event)) {
          terminal = msg.event;
          if (msg.event !== 'completed') log(`  ✗ ${msg.event}: ${String(data.message ?? data.error ?? '')}`);
          break;
        }
      }
    }
    if (terminal !== 'completed') return 1;

    const results = await fetch(`${base}/pipeline/jobs/${jobId}/results`, { headers: { 'X-API-Key': key } });
    const payload = (await results.json()) as { results: RankedRow[] };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      return 0;
    }
    for (const r of payload.results) {
      const er = r.engagement_rate === null ? '   –  ' : `${(r.engagement_rate * 100).toFixed(1).padStart(5)}%`;
      const followers = r.followers === null ? '–' : r.followers.toLocaleString('en-US');
      log(`${String(r.rank).padStart(3)}. ${String(r.fit_score).padStart(3)}  ${er}  ${followers.padStart(12)}  ${r.platform}:${r.handle}`);
      log(`        ${r.rationale}`);
    }
    return 0;
  },
};
export default command;
