import type { JobParams } from '../domain/job.js';
import type { JobRow } from '../repositories/jobs.repository.js';

/** Relative links of a job's resources (clients resolve them against the API origin). */
export function jobLinks(jobId: string) {
  const self = `/pipeline/jobs/${jobId}`;
  return {
    self,
    results: `${self}/results`,
    events: `${self}/events`,
    cancel: `${self}/cancel`,
    artifacts: `${self}/artifacts/{kind}`,
  };
}

/** The job's parameters in the request's own vocabulary (what the client sent, after defaults). */
export function requestView(p: JobParams) {
  const f = p.filters;
  const filters: Record<string, unknown> = {};
  if (f.followersMin !== undefined) filters.followers_min = f.followersMin;
  if (f.followersMax !== undefined) filters.followers_max = f.followersMax;
  if (f.countries) filters.countries = f.countries;
  if (f.languages) filters.languages = f.languages;
  if (f.minEngagementRate !== undefined) filters.min_engagement_rate = f.minEngagementRate;
  if (f.niches) filters.niches = f.niches;
  if (f.includeUnknown) filters.include_unknown = true;
  return {
    brief: p.brief,
    ...(p.similarTo ? { similar_to: p.similarTo } : {}),
    platforms: p.platforms,
    filters,
    top_k: p.topK,
    candidate_limit: p.candidateLimit,
    min_fit_score: p.minFitScore ?? 0,
    exclude_handles: p.excludeKeys,
    webhook_url: p.webhookUrl,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** GET /pipeline/jobs/:jobId, and the `data` of webhook payloads. */
export function jobView(job: JobRow) {
  return {
    job_id: job.id,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    cancel_requested: job.cancelRequested,
    meta: {
      candidates: job.meta.candidates ?? 0,
      enriched: job.meta.enriched ?? 0,
      scored: job.meta.scored ?? 0,
      cache_hits: job.meta.cache_hits ?? 0,
      cost_usd: job.meta.cost_usd ?? 0,
      ...(job.meta.fallback_batches !== undefined ? { fallback_batches: job.meta.fallback_batches } : {}),
      ...(job.meta.stale_profiles !== undefined ? { stale_profiles: job.meta.stale_profiles } : {}),
    },
    error: job.error ? { code: job.error.code, message: job.error.message } : null,
    request: requestView(job.params),
    last_event_id: job.lastEventSeq,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    links: jobLinks(job.id),
  };
}
export type JobView = ReturnType<typeof jobView>;
