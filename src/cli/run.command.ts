import { writeFile } from 'node:fs/promises';
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

/** Thrown when the API cannot be reached at all: said in one line, never as a stack trace. */
export class ApiUnreachableError extends Error {
  constructor(base: string) {
    super(`cannot reach the API at ${base} — is \`npm start\` running?`);
    this.name = 'ApiUnreachableError';
  }
}

/** fetch, with a refused/unresolvable connection turned into ApiUnreachableError. */
async function request(base: string, path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, init);
  } catch (err) {
    if (err instanceof TypeError) throw new ApiUnreachableError(base);
    throw err;
  }
}

function numberFlag(name: string, v: string | undefined, opts: { integer?: boolean; max?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n)) || (opts.max !== undefined && n > opts.max)) {
    throw new UsageError(`--${name} must be a ${opts.integer ? 'whole ' : ''}number ≥ 0${opts.max !== undefined ? ` and ≤ ${opts.max}` : ''}, got "${v}"`);
  }
  return n;
}

/** The request body from the flags: every filter POST /pipeline/start takes (the API validates the values). */
export function startBody(brief: string, values: Record<string, string | string[] | boolean | undefined>): Record<string, unknown> {
  const str = (k: string) => values[k] as string | undefined;
  const list = (k: string) => values[k] as string[] | undefined;
  const body: Record<string, unknown> = {};
  if (brief) body.brief = brief;
  if (list('similar-to')) body.similar_to = list('similar-to');
  const topK = numberFlag('top-k', str('top-k'), { integer: true });
  if (topK !== undefined) body.top_k = topK;
  if (list('platform')) body.platforms = list('platform');
  const filters: Record<string, unknown> = {};
  const min = numberFlag('followers-min', str('followers-min'), { integer: true });
  const max = numberFlag('followers-max', str('followers-max'), { integer: true });
  const er = numberFlag('er-min', str('er-min'), { max: 1 });
  if (min !== undefined) filters.followers_min = min;
  if (max !== undefined) filters.followers_max = max;
  if (list('country')) filters.countries = list('country');
  if (list('language')) filters.languages = list('language');
  if (er !== undefined) filters.min_engagement_rate = er;
  if (values['include-unknown']) filters.include_unknown = true;
  if (Object.keys(filters).length > 0) body.filters = filters;
  return body;
}

const command: Command = {
  name: 'run',
  summary: 'Start a scouting job over the HTTP API, follow its events live and print the shortlist.',
  usage:
    'scout run [--api-url URL] [--api-key KEY] [--top-k N] [--platform P]... [--country CC]... [--language LL]...\n' +
    '          [--followers-min N] [--followers-max N] [--er-min 0.03] [--include-unknown] [--similar-to platform:handle]...\n' +
    '          [--csv FILE] [--json] ["BRIEF"]\n' +
    '  --api-url defaults to $SCOUT_API_URL or http://127.0.0.1:8080; --api-key to $SCOUT_API_KEY\n' +
    '  --similar-to    a seed creator for a lookalike job (repeat for several); the brief is then optional\n' +
    '  --er-min        minimum engagement rate as a fraction (0.03 = 3 %)\n' +
    '  --include-unknown  keep creators whose country/language is unknown under --country/--language\n' +
    '  --csv FILE      also write the shortlist as CSV (the export columns of docs/api.md) to FILE',
  async run(argv) {
    try {
      return await runJob(argv);
    } catch (err) {
      if (!(err instanceof ApiUnreachableError)) throw err;
      console.error(`scout run: ${err.message}`);
      return 1;
    }
  },
};
export default command;

async function runJob(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    'api-url': { type: 'string' },
    'api-key': { type: 'string' },
    'top-k': { type: 'string' },
    platform: { type: 'string', multiple: true },
    country: { type: 'string', multiple: true },
    language: { type: 'string', multiple: true },
    'followers-min': { type: 'string' },
    'followers-max': { type: 'string' },
    'er-min': { type: 'string' },
    'include-unknown': { type: 'boolean' },
    'similar-to': { type: 'string', multiple: true },
    csv: { type: 'string' },
    json: { type: 'boolean' },
  });
  const brief = positionals.join(' ').trim();
  if (!brief && !values['similar-to']) throw new UsageError('a brief is required (or --similar-to seeds for a lookalike job)');
  const base = (values['api-url'] ?? process.env.SCOUT_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const key = values['api-key'] ?? process.env.SCOUT_API_KEY;
  if (!key) throw new UsageError('an API key is required (--api-key or $SCOUT_API_KEY)');
  const headers = { 'X-API-Key': key, 'Content-Type': 'application/json' };

  const body = startBody(brief, values);
  const started = await request(base, '/pipeline/start', { method: 'POST', headers, body: JSON.stringify(body) });
  const answer = (await started.json()) as { job_id?: string; detail?: string };
  if (started.status !== 202 || !answer.job_id) {
    console.error(`start failed (${started.status}): ${answer.detail ?? JSON.stringify(answer)}`);
    return 1;
  }
  const jobId = answer.job_id;
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  log(`job ${jobId} started`);

  let terminal = '';
  let lastId = '0';
  // Follow the stream; if it drops before a terminal event, resume from the last id seen.
  for (let attempt = 0; !terminal && attempt < 5; attempt++) {
    const res = await request(base, `/pipeline/jobs/${jobId}/events`, {
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

  const results = await request(base, `/pipeline/jobs/${jobId}/results`, { headers: { 'X-API-Key': key } });
  const payload = (await results.json()) as { results: RankedRow[] };
  if (values.csv) {
    const csv = await request(base, `/pipeline/jobs/${jobId}/results?format=csv`, { headers: { 'X-API-Key': key } });
    if (!csv.ok) throw new Error(`CSV export failed with ${csv.status}`);
    await writeFile(values.csv, await csv.text());
    log(`shortlist written to ${values.csv} (${payload.results.length} rows)`);
  }
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
}

