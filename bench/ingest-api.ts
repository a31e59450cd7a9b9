/**
 * The creator ingestion API under load, against a running service (`npm start`):
 * N creators upserted through POST /admin/api/creators in batches while jobs run, then counts,
 * per-row errors, a deleted creator that no job or search may return, and the rate in creators/s.
 *
 *   API=http://127.0.0.1:8080 ADMIN_KEY=adm_… API_KEY=isk_… bash scripts/node.sh bench/ingest-api.ts [--rows=10000] [--batch=1000]
 *
 * Creators are synthetic (`ingest_bench_<i>`, source `bench-ingest`), 1 in 100 rows deliberately
 * bad; a rerun replaces them (the count does not grow). Remove them with
 * `scout index remove --source bench-ingest`.
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' }, batch: { type: 'string', default: '1000' }, jobs: { type: 'string', default: '6' } } });
const API = process.env.API ?? 'http://127.0.0.1:8080';
const ADMIN_KEY = required('ADMIN_KEY');
const API_KEY = required('API_KEY');
const ROWS = Number(values.rows);
const BATCH = Number(values.batch);
const JOBS = Number(values.jobs);
const SOURCE = 'bench-ingest';

const niches = [
  'vegan protein recipes gym workouts',
  'travel photography beach backpacking',
  'skincare makeup tutorials beauty',
  'dog training puppy care pets',
  'home interior design decor',
];

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
}

function row(i: number): Record<string, unknown> {
  const bad = i % 100 === 99;
  return {
    platform: i % 3 === 0 ? 'tiktok' : 'instagram',
    handle: `ingest_bench_${i}`,
    bio: `${niches[i % niches.length]} creator number ${i}`,
    topics: niches[i % niches.length]!.split(' ').slice(0, 3),
    followers: bad ? 'plenty' : 5_000 + ((i * 7919) % 500_000),
    engagement_rate: 0.01 + (i % 50) / 1000,
    country: ['US', 'GB', 'DE', 'BR'][i % 4],
    language: ['en', 'en', 'de', 'pt'][i % 4],
    last_post_at: new Date(Date.now() - (i % 400) * 86_400_000).toISOString(),
  };
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const admin = (method: string, path: string, body?: unknown) => call(method, path, body, { 'X-Admin-Key': ADMIN_KEY });
const client = (method: string, path: string, body?: unknown) => call(method, path, body, { 'X-API-Key': API_KEY });

async function runJob(brief: string): Promise<{ id: string; handles: string[]; ms: number }> {
  const t0 = performance.now();
  const started = await client('POST', '/pipeline/start', { brief, top_k: 25, min_fit_score: 0 });
  if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.json)}`);
  const id = started.json.job_id as string;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const s = await client('GET', `/pipeline/jobs/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(s.json.status as string)) break;
  }
  const res = await client('GET', `/pipeline/jobs/${id}/results`);
  const handles = ((res.json.results ?? []) as { handle: string }[]).map((r) => r.handle);
  return { id, handles, ms: performance.now() - t0 };
}

async function main() {
  const before = await admin('GET', '/admin/api/index');
  const countBefore = (before.json.stats as { count: number }).count;
  const benchBefore = ((before.json.stats as { bySource: Record<string, number> }).bySource[SOURCE] ?? 0);

  // jobs run the whole time: one starts whenever the previous one finishes
  let ingesting = true;
  const jobTimes: number[] = [];
  const jobLoop = (async () => {
    let n = 0;
    while (ingesting || n < 1) {
      const r = await runJob(`${niches[n % niches.length]} creators for a brand launch`);
      jobTimes.push(r.ms);
      n++;
      if (n >= JOBS && !ingesting) break;
    }
  })();

  const t0 = performance.now();
  let upserted = 0;
  let rejected = 0;
  const errorFields = new Map<string, number>();
  for (let i = 0; i < ROWS; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, ROWS - i) }, (_, j) => row(i + j));
    const res = await admin('POST', `/admin/api/creators?source=${SOURCE}`, batch);
    if (res.status !== 200) throw new Error(`batch at ${i}: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
    upserted += res.json.upserted as number;
    rejected += res.json.rejected as number;
    for (const e of res.json.errors as { field: string | null }[]) errorFields.set(String(e.field), (errorFields.get(String(e.field)) ?? 0) + 1);
  }
  const ingestMs = performance.now() - t0;
  ingesting = false;

  // one creator deleted; a brief made of its very words must never return it again
  const victim = row(3);
  const del = await admin('DELETE', `/admin/api/creators/${victim.platform}/${victim.handle}`);
  const after = await admin('GET', '/admin/api/index');
  const stats = after.json.stats as { count: number; bySource: Record<string, number> };
  const probe = await runJob(`${victim.bio as string}`);
  const search = await client('POST', '/weaviate/search', { query: victim.bio, limit: 100 });
  await jobLoop;

  const expectedNew = ROWS - Math.floor(ROWS / 100) - benchBefore;
  console.log(JSON.stringify({
    rows_sent: ROWS,
    batch: BATCH,
    upserted,
    rejected,
    rejected_fields: Object.fromEntries(errorFields),
    ingest_seconds: +(ingestMs / 1000).toFixed(1),
    creators_per_sec: Math.round(upserted / (ingestMs / 1000)),
    jobs_during_ingest: jobTimes.length,
    job_seconds: jobTimes.map((ms) => +(ms / 1000).toFixed(1)),
    index_count_before: countBefore,
    index_count_after: stats.count,
    index_count_expected: countBefore + expectedNew - 1,
    bench_source_count: stats.bySource[SOURCE],
    deleted: `${victim.platform}:${victim.handle}`,
    delete_status: del.status,
    deleted_in_job_results: probe.handles.includes(victim.handle as string),
    deleted_in_search: ((search.json.results ?? []) as { handle: string }[]).some((r) => r.handle === victim.handle),
    probe_job_results: probe.handles.length,
  }, null, 2));
}

await main();
