import { writeFile } from 'node:fs/promises';
import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';
import { createScoutClient, ScoutProblemError } from '@influencer-scout/client';
import type { StartJobRequest } from '@influencer-scout/client';

/** Thrown when the API cannot be reached at all: said in one line, never as a stack trace. */
export class ApiUnreachableError extends Error {
  constructor(base: string) {
    super(`cannot reach the API at ${base} — is \`npm start\` running?`);
    this.name = 'ApiUnreachableError';
  }
}

/** A fetch whose refused/unresolvable connection becomes ApiUnreachableError. */
async function reach(base: string, call: () => Promise<Response>): Promise<Response> {
  try {
    return await call();
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
  const client = createScoutClient({ baseUrl: base, apiKey: key, fetch: (req) => reach(base, () => fetch(req)) });

  const body = startBody(brief, values) as StartJobRequest;
  let jobId: string;
  try {
    jobId = (await client.startJob(body)).job_id;
  } catch (err) {
    if (!(err instanceof ScoutProblemError)) throw err;
    console.error(`start failed (${err.status}): ${err.detail}`);
    return 1;
  }
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  log(`job ${jobId} started`);

  // The client resumes a dropped stream with Last-Event-ID and falls back to polling on its own.
  let terminal = '';
  for await (const event of client.watchJob(jobId)) {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'stage_started') log(`  ▸ ${String(data.stage)}`);
    else if (event.type === 'stage_completed') log(`  ✓ ${String(data.stage)} (${String(data.duration_ms ?? '?')} ms)`);
    else if (event.type === 'warning') log(`  ! ${String(data.message ?? '')}`);
    else if (event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') {
      terminal = event.type;
      if (event.type !== 'completed') log(`  ✗ ${event.type}: ${String(data.message ?? data.error ?? '')}`);
    }
  }
  if (terminal !== 'completed') return 1;

  const payload = await client.getResults(jobId);
  if (values.csv) {
    await writeFile(values.csv, await client.getResultsCsv(jobId));
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

