import { createHash } from 'node:crypto';
import type { AppContext } from '../app/app-context.js';
import type { CreatorKey } from '../domain/creator.js';
import { newJobId } from '../domain/ids.js';
import { emptyMeta } from '../domain/job.js';
import type { JobParams, RankedResult } from '../domain/job.js';
import type { CandidateSummary } from '../pipeline/search.stage.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { Labels } from './search-quality.js';

type EvalDeps = Pick<AppContext, 'config' | 'logger' | 'repos' | 'providers' | 'jobEvents'>;

export interface LookalikeQuality {
  niche: string;
  seeds: CreatorKey[];
  jobId: string;
  results: number;
  /** share of the final results labelled with the seeds' niche */
  share: number;
  /** share of the search candidates labelled with it (before scoring) */
  candidateShare: number;
  /** seeds found among the results or candidates (must be 0) */
  seedsReturned: number;
  durationMs: number;
}

/**
 * Lookalike quality, label-blind: for each niche, `trials` jobs each seeded with `seedsPerJob`
 * creators labelled with it (picked by a hash of their key, so runs repeat), no brief. The labels
 * choose the seeds and score the results; the index the jobs search has them withheld.
 */
export async function evaluateLookalikes(
  deps: EvalDeps,
  opts: { apiKeyId: string; labels: Labels; niches: readonly string[]; topK?: number; seedsPerJob?: number; trials?: number; onJob?: (q: LookalikeQuality) => void },
): Promise<LookalikeQuality[]> {
  const topK = opts.topK ?? 25;
  const perJob = opts.seedsPerJob ?? 3;
  const trials = opts.trials ?? 2;
  const out: LookalikeQuality[] = [];
  for (const niche of opts.niches) {
    // creators with this label alone: seeds an operator would recognise as of the niche
    const pool = [...opts.labels.entries()]
      .filter(([, ls]) => ls.length === 1 && ls[0] === niche)
      .map(([k]) => k)
      .sort((a, b) => hash(a).localeCompare(hash(b)));
    const indexed = new Set((await deps.providers.index.get(pool.slice(0, perJob * trials * 4), { jobId: null })).map((c) => c.key));
    const usable = pool.filter((k) => indexed.has(k));
    for (let t = 0; t < trials && (t + 1) * perJob <= usable.length; t++) {
      const seeds = usable.slice(t * perJob, (t + 1) * perJob);
      const params: JobParams = { brief: '', similarTo: seeds, platforms: null, filters: {}, topK, candidateLimit: 150, excludeKeys: [], webhookUrl: null };
      const jobId = newJobId();
      await deps.repos.jobs.insert({ id: jobId, apiKeyId: opts.apiKeyId, params, meta: emptyMeta() });
      const started = performance.now();
      const outcome = await runPipeline(deps, jobId);
      if (outcome.status !== 'completed') throw new Error(`lookalike eval job for ${niche} ended ${outcome.status}`);
      const final = (await deps.repos.artifacts.get<RankedResult[]>(jobId, 'final'))?.data ?? [];
      const candidates = (await deps.repos.artifacts.get<CandidateSummary[]>(jobId, 'candidates'))?.data ?? [];
      const right = (k: string) => opts.labels.get(k as CreatorKey)?.includes(niche) === true;
      const keys = final.map((r) => `${r.platform}:${r.handle}`);
      const all = new Set([...keys, ...candidates.map((c) => c.key)]);
      const q: LookalikeQuality = {
        niche,
        seeds,
        jobId,
        results: final.length,
        share: keys.length > 0 ? keys.filter(right).length / keys.length : 0,
        candidateShare: candidates.length > 0 ? candidates.filter((c) => right(c.key)).length / candidates.length : 0,
        seedsReturned: seeds.filter((s) => all.has(s)).length,
        durationMs: Math.round(performance.now() - started),
      };
      out.push(q);
      opts.onJob?.(q);
    }
  }
  return out;
}

const hash = (s: string) => createHash('sha1').update(s).digest('hex');
