import { readFileSync } from 'node:fs';
import type { AppContext } from '../app/app-context.js';
import type { CreatorKey } from '../domain/creator.js';
import { newJobId } from '../domain/ids.js';
import { emptyMeta } from '../domain/job.js';
import type { BriefExpansion, JobParams, RankedResult } from '../domain/job.js';
import { openSource } from '../import/records.js';
import type { CandidateSummary } from '../pipeline/search.stage.js';
import { runPipeline } from '../pipeline/run-pipeline.js';

/** The Kim dataset's labelled niches (`other` is not a target). */
export const kimNiches = ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family'] as const;

/** creator key → its niche labels */
export type Labels = Map<CreatorKey, string[]>;

/**
 * Ground-truth labels read from an import file (any supported format). They only score results:
 * the index an evaluation searches is imported with them withheld (see eval-index.ts).
 */
export async function readLabels(file: string): Promise<Labels> {
  const source = await openSource(file);
  const labels: Labels = new Map();
  const rowCtx = { source: 'labels', now: new Date().toISOString() };
  try {
    for await (const record of source.records) {
      if (record.error !== undefined) continue;
      try {
        const c = source.format.toCreator(record.values, rowCtx);
        labels.set(c.key, c.categories);
      } catch {
        // rows the importer would skip have no label either
      }
    }
  } finally {
    source.close();
  }
  return labels;
}

/** The two brief sets: brand briefs in natural language (src/eval/briefs.json) and bare niche words. */
export const briefSets = ['nl', 'niche'] as const;
export type BriefSet = (typeof briefSets)[number];

export interface EvalBrief {
  id: string;
  set: BriefSet;
  /** the label a right creator carries; used to score results only, never to search */
  niche: string;
  lang: string;
  brief: string;
}

interface BriefFile {
  briefs: { id: string; niche: string; lang: string; brief: string }[];
}

/** The committed natural-language brand briefs. */
export function naturalLanguageBriefs(): EvalBrief[] {
  const file = JSON.parse(readFileSync(new URL('./briefs.json', import.meta.url), 'utf8')) as BriefFile;
  return file.briefs.map((b) => ({ id: b.id, set: 'nl', niche: b.niche, lang: b.lang, brief: b.brief }));
}

/** Each niche word on its own as a brief ("fitness"), the historical niche-word eval. */
export function nicheWordBriefs(niches: readonly string[] = kimNiches): EvalBrief[] {
  return niches.map((n) => ({ id: `word-${n}`, set: 'niche', niche: n, lang: 'en', brief: n }));
}

export interface BriefQuality {
  id: string;
  set: BriefSet;
  niche: string;
  lang: string;
  jobId: string;
  durationMs: number;
  /** final results returned (at most topK) */
  results: number;
  /** share of the final top 10 / top k in the right niche (missing results count as misses) */
  p10: number;
  pk: number;
  /** search stage, before scoring: candidates returned and how many are in the right niche */
  candidates: number;
  candidateHits: number;
  /** share of the candidates in the right niche */
  candidatePrecision: number;
  /** the best precision@k any ranking of these candidates could reach: min(hits, k) / k */
  candidateCeiling: number;
  /** precision@k of the candidates in search order (what ranking by search score alone would give) */
  searchPk: number;
  /**
   * precision@k of the candidates ordered by their inferred probability for the niches the brief
   * names (label-blind: the expansion's niches, not the answer key), search order breaking ties;
   * what the niche signal alone could give a ranking. Equals searchPk when the brief names none.
   */
  nichePk: number;
  /** niches the expansion read from the brief */
  briefNiches: string[];
}

export interface QualitySummary {
  briefs: number;
  p10: number;
  pk: number;
  candidatePrecision: number;
  candidateCeiling: number;
  searchPk: number;
  nichePk: number;
}

export interface SetQuality extends QualitySummary {
  set: BriefSet;
  perNiche: (QualitySummary & { niche: string })[];
  worstNiche: { niche: string; pk: number } | null;
}

export interface QualityReport {
  topK: number;
  candidateLimit: number;
  briefs: BriefQuality[];
  sets: SetQuality[];
}

type EvalDeps = Pick<AppContext, 'config' | 'logger' | 'repos' | 'providers' | 'jobEvents'>;

/**
 * Search quality as a client sees it: each brief runs as a job through the whole pipeline
 * (expand → search → enrich → score → rank) with the configured providers; the final top k is
 * checked against the creators' labels, and so is the search stage's candidate list, which shows
 * where relevance is lost: not found by search (low candidate ceiling) or found and ranked away
 * (ceiling high, final precision low).
 */
export async function evaluateBriefs(
  deps: EvalDeps,
  opts: {
    apiKeyId: string;
    briefs: readonly EvalBrief[];
    labels: Labels;
    topK?: number;
    candidateLimit?: number;
    onBrief?: (q: BriefQuality) => void;
  },
): Promise<QualityReport> {
  const topK = opts.topK ?? 25;
  const candidateLimit = opts.candidateLimit ?? 150;
  const out: BriefQuality[] = [];
  for (const b of opts.briefs) {
    const params: JobParams = {
      brief: b.brief,
      platforms: null,
      filters: {},
      topK,
      candidateLimit,
      excludeKeys: [],
      webhookUrl: null,
    };
    const jobId = newJobId();
    await deps.repos.jobs.insert({ id: jobId, apiKeyId: opts.apiKeyId, params, meta: emptyMeta() });
    const started = performance.now();
    const outcome = await runPipeline(deps, jobId);
    if (outcome.status !== 'completed') throw new Error(`eval job for brief ${b.id} ended ${outcome.status}`);
    const durationMs = Math.round(performance.now() - started);
    const final = (await deps.repos.artifacts.get<RankedResult[]>(jobId, 'final'))?.data ?? [];
    const candidates = (await deps.repos.artifacts.get<CandidateSummary[]>(jobId, 'candidates'))?.data ?? [];
    const expansion = (await deps.repos.artifacts.get<{ expansion: BriefExpansion }>(jobId, 'expansion'))?.data.expansion;
    const right = (key: string) => opts.labels.get(key as CreatorKey)?.includes(b.niche) === true;
    const finalKeys = final.map((r) => `${r.platform}:${r.handle}`);
    const hitsIn = (keys: readonly string[], n: number) => keys.slice(0, n).filter(right).length;
    const candidateKeys = candidates.map((c) => c.key);
    const candidateHits = candidateKeys.filter(right).length;
    const briefNiches = expansion?.niches ?? [];
    const byNiche = await nicheOrder(deps, candidateKeys, briefNiches);
    const q: BriefQuality = {
      id: b.id,
      set: b.set,
      niche: b.niche,
      lang: b.lang,
      jobId,
      durationMs,
      results: final.length,
      p10: hitsIn(finalKeys, 10) / Math.min(10, topK),
      pk: hitsIn(finalKeys, topK) / topK,
      candidates: candidates.length,
      candidateHits,
      candidatePrecision: candidates.length > 0 ? candidateHits / candidates.length : 0,
      candidateCeiling: Math.min(candidateHits, topK) / topK,
      searchPk: hitsIn(candidateKeys, topK) / topK,
      nichePk: hitsIn(byNiche, topK) / topK,
      briefNiches,
    };
    out.push(q);
    opts.onBrief?.(q);
  }
  const sets = briefSets.flatMap((set) => {
    const of = out.filter((q) => q.set === set);
    return of.length > 0 ? [summariseSet(set, of)] : [];
  });
  return { topK, candidateLimit, briefs: out, sets };
}

function summarise(qs: readonly BriefQuality[]): QualitySummary {
  const mean = (f: (q: BriefQuality) => number) => (qs.length > 0 ? qs.reduce((s, q) => s + f(q), 0) / qs.length : 0);
  return {
    briefs: qs.length,
    p10: mean((q) => q.p10),
    pk: mean((q) => q.pk),
    candidatePrecision: mean((q) => q.candidatePrecision),
    candidateCeiling: mean((q) => q.candidateCeiling),
    searchPk: mean((q) => q.searchPk),
    nichePk: mean((q) => q.nichePk),
  };
}

function summariseSet(set: BriefSet, qs: readonly BriefQuality[]): SetQuality {
  const niches = [...new Set(qs.map((q) => q.niche))];
  const perNiche = niches.map((niche) => ({ niche, ...summarise(qs.filter((q) => q.niche === niche)) }));
  const worst = perNiche.reduce<(typeof perNiche)[number] | null>((w, n) => (w === null || n.pk < w.pk ? n : w), null);
  return { set, ...summarise(qs), perNiche, worstNiche: worst ? { niche: worst.niche, pk: worst.pk } : null };
}

/** Candidate keys re-ordered by their inferred probability for the brief's niches (stable). */
async function nicheOrder(deps: EvalDeps, keys: readonly string[], briefNiches: readonly string[]): Promise<string[]> {
  if (keys.length === 0 || briefNiches.length === 0) return [...keys];
  const creators = await deps.providers.index.get(keys as CreatorKey[], { jobId: null });
  const p = new Map(
    creators.map((c) => [c.key as string, Math.max(0, ...(c.niches ?? []).filter((s) => briefNiches.includes(s.niche)).map((s) => s.p))]),
  );
  return keys
    .map((k, i) => ({ k, i, p: p.get(k) ?? 0 }))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .map((x) => x.k);
}
