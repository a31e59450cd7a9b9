import type { JobMeta, JobStatus, Stage } from '../domain/job.js';
import { isTerminal, terminalEventTypes } from '../domain/job.js';
import { profileFromCreator } from '../domain/profile.js';
import type { JobRow } from '../repositories/jobs.repository.js';
import { runEnrichStage } from './enrich.stage.js';
import type { EnrichOutput } from './enrich.stage.js';
import { runExpandStage } from './expand.stage.js';
import type { ExpandOutput } from './expand.stage.js';
import { describeFailure, isCancellation, JobHandBackError, JobTimeoutError, redactSecrets } from './failure.js';
import { JobRuntime } from './job-runtime.js';
import { runRankStage } from './rank.stage.js';
import type { StageTiming } from './rank.stage.js';
import { ScoreStream } from './score.stage.js';
import { runSearchStage } from './search.stage.js';
import type { Candidate, PipelineDeps, StageRun } from './stage-run.js';
import { traced } from '../tracing/tracing.js';

export type TerminalStatus = Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>;

/** How a run ended. A retryable fault on a non-final attempt is thrown instead, for BullMQ to retry. */
export type PipelineOutcome =
  | { status: 'completed'; results: number }
  | { status: 'failed'; error: { code: string; message: string } }
  | { status: 'cancelled' }
  /** the worker is shutting down; the job is still running and must go back to the queue */
  | { status: 'handed_back' }
  /** nothing to do: unknown job, or already finished */
  | { status: 'skipped'; reason: string };

export interface RunOptions {
  /** aborted when the worker shuts down: the run stops at its next safe point and hands the job back */
  signal?: AbortSignal;
  /** false while BullMQ has attempts left: retryable faults are then thrown rather than failing the job (default true) */
  finalAttempt?: boolean;
  /** called after the job reached a terminal status (webhooks); errors are logged, never propagated */
  onFinished?: (jobId: string, status: TerminalStatus) => Promise<void>;
}

/**
 * Runs one job through expand → search → enrich → score → rank. Safe to call again for the same
 * job after a crash: status moves pending|running → running → terminal only once, artifacts are
 * upserts, counters are absolute, and saved expansion, candidates and scores are reused.
 */
export async function runPipeline(deps: PipelineDeps, jobId: string, opts: RunOptions = {}): Promise<PipelineOutcome> {
  const logger = deps.logger.child({ job_id: jobId });
  const existing = await deps.repos.jobs.get(jobId);
  if (!existing) return { status: 'skipped', reason: 'unknown job' };
  if (isTerminal(existing.status)) {
    await ensureTerminalEvent(deps, existing, opts);
    return { status: 'skipped', reason: `job is already ${existing.status}` };
  }
  if (existing.cancelRequested) {
    await finishAs(deps, jobId, 'cancelled', { stage: existing.stage }, opts);
    return { status: 'cancelled' };
  }
  const job = await deps.repos.jobs.markRunning(jobId);
  if (!job) return { status: 'skipped', reason: 'job finished meanwhile' };

  const control = new AbortController();
  const onExternalAbort = () => control.abort(new JobHandBackError(jobId));
  if (opts.signal?.aborted) onExternalAbort();
  opts.signal?.addEventListener('abort', onExternalAbort, { once: true });
  const timeoutMs = deps.config.worker.jobTimeoutMs;
  const timer = setTimeout(() => control.abort(new JobTimeoutError(jobId, timeoutMs)), timeoutMs);
  timer.unref();

  const runtime = new JobRuntime(deps, jobId, control.signal, logger);
  const run: StageRun = { deps, params: job.params, runtime };
  const startedAt = performance.now();
  try {
    if (job.attempts > 1) {
      await runtime.emit('warning', { code: 'resumed', message: `resumed after an interruption (attempt ${job.attempts})`, attempt: job.attempts });
    }
    const results = await runStages(run, startedAt, job.attempts);
    const durationMs = Math.round(performance.now() - startedAt);
    if (!(await runtime.finish('completed', { meta: runtime.meta }, { results, duration_ms: durationMs }))) {
      return { status: 'skipped', reason: 'job finished meanwhile' };
    }
    logger.info({ results, durationMs, ...runtime.meta }, 'job completed');
    await notify(deps, jobId, 'completed', opts);
    return { status: 'completed', results };
  } catch (err) {
    const cause: unknown = control.signal.aborted ? control.signal.reason : err;
    if (isCancellation(cause)) {
      await finishAs(deps, jobId, 'cancelled', { stage: runtime.stoppedIn, ...(cause.reason ? { reason: cause.reason } : {}) }, opts, runtime.meta);
      logger.info({ stage: runtime.stoppedIn, reason: cause.reason }, 'job cancelled');
      return { status: 'cancelled' };
    }
    if (cause instanceof JobHandBackError) {
      await runtime.emit('warning', { code: 'handed_back', stage: runtime.stoppedIn, message: 'the worker is shutting down; the job will resume on another worker' });
      logger.info({ stage: runtime.stoppedIn }, 'job handed back');
      return { status: 'handed_back' };
    }
    const failure = describeFailure(cause, runtime.stoppedIn);
    logger.error({ err: cause, stage: runtime.stoppedIn, code: failure.code }, 'job run failed');
    if (failure.retryable && opts.finalAttempt === false) {
      await runtime.emit('warning', { code: 'retrying', stage: runtime.stoppedIn, message: `${failure.message}; the job will be retried` });
      throw err;
    }
    const error = { code: failure.code, message: failure.message };
    await finishAs(deps, jobId, 'failed', { stage: runtime.stoppedIn, ...error }, opts, runtime.meta, error);
    return { status: 'failed', error };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onExternalAbort);
  }
}

async function runStages(run: StageRun, startedAt: number, attempt: number): Promise<number> {
  const { runtime } = run;
  const timings: Partial<Record<Stage, StageTiming>> = {};
  const stage = async <T>(name: Stage, fn: () => Promise<T>, summary: (out: T) => Record<string, number | boolean>): Promise<T> => {
    await runtime.checkpoint();
    await runtime.enterStage(name);
    const t0 = performance.now();
    const out = await traced(`stage ${name}`, { 'scout.job_id': run.runtime.jobId, 'scout.stage': name }, fn);
    const timing: StageTiming = { duration_ms: Math.round(performance.now() - t0), ...summary(out) };
    timings[name] = timing;
    await runtime.leaveStage(name, timing);
    return out;
  };

  const expand = await stage('expand', () => runExpandStage(run), (e) => ({
    queries: e.expansion.queries.length,
    niches: e.expansion.niches.length,
    reused: e.reused,
    fallback: e.expansion.fallback === true,
  }));
  const candidates = await stage(
    'search',
    async () => {
      const found = await runSearchStage(run, expand);
      await runtime.setCounters({ candidates: found.length });
      return found;
    },
    (c) => ({ candidates: c.length }),
  );
  if (candidates.length === 0) {
    await runtime.emit('warning', { code: 'no_candidates', stage: 'search', message: 'no creator in the index matched the brief and its filters' });
  }
  const { enriched, scored } = await enrichAndScore(run, expand, candidates, timings);
  const final = await stage(
    'rank',
    () => runRankStage(run, { profiles: enriched.profiles, scores: scored.scores, expansion: expand.expansion, timings, startedAt, attempt }),
    (r) => ({ results: r.length }),
  );
  return final.length;
}

/**
 * Enrich and score, streamed: each enriched batch goes to the scorers at once (through the bounded
 * queue of a `ScoreStream`), so the first partial results follow the first BrightData round, not
 * the last. The events keep the stage order — `stage_started`/`stage_completed` of enrich, then of
 * score — with the partial results of batches scored early arriving inside the enrich stage.
 * The score stage's `duration_ms` is the span of the scoring itself (first batch start → last end).
 */
async function enrichAndScore(run: StageRun, expand: ExpandOutput, candidates: Candidate[], timings: Partial<Record<Stage, StageTiming>>) {
  const { runtime } = run;
  await runtime.checkpoint();
  await runtime.enterStage('enrich');
  const t0 = performance.now();
  const resembles = new Map(candidates.flatMap((c) => (c.resembles ? [[c.creator.key, c.resembles] as const] : [])));
  const standIns = candidates.map((c) => profileFromCreator(c.creator, { maxAgeDays: run.deps.config.profiles.maxAgeDays }));
  const scoring = await ScoreStream.start(run, expand, standIns, resembles);
  const span = (name: Stage) => ({ 'scout.job_id': runtime.jobId, 'scout.stage': name });
  let enriched: EnrichOutput;
  try {
    // score batches started while enrichment runs are traced under the enrich stage they overlap
    enriched = await traced('stage enrich', span('enrich'), () => runEnrichStage(run, candidates, (profiles) => scoring.push(profiles)));
  } catch (err) {
    await scoring.abort(err);
    throw err;
  }
  const enrichTiming: StageTiming = { duration_ms: Math.round(performance.now() - t0), enriched: enriched.enriched, cache_hits: enriched.cacheHits, stale_profiles: enriched.stale };
  timings.enrich = enrichTiming;
  await runtime.leaveStage('enrich', enrichTiming);
  // no safe point between the two: the scorers check before each batch, and a cancel they see is reported as `score`
  await runtime.enterStage('score');
  const scored = await traced('stage score', span('score'), () => scoring.finish());
  const scoreTiming: StageTiming = { duration_ms: scoring.spanMs, scored: scored.scores.size, fallback_batches: scored.fallbackBatches, resumed: scored.resumed };
  timings.score = scoreTiming;
  await runtime.leaveStage('score', scoreTiming);
  return { enriched, scored };
}

/**
 * Fails a job from outside a run: when the queue gives up on it (its worker died too often, or a
 * fault outlived every attempt). Does nothing to a job that already finished.
 */
export async function giveUpJob(deps: PipelineDeps, jobId: string, reason: string, opts: Pick<RunOptions, 'onFinished'> = {}): Promise<boolean> {
  const job = await deps.repos.jobs.get(jobId);
  if (!job || isTerminal(job.status)) return false;
  const error = { code: 'gave_up', message: `the job could not be completed: ${redactSecrets(reason)}` };
  return finishAs(deps, jobId, 'failed', { stage: job.stage, ...error }, opts, undefined, error);
}

/** Moves the job to a terminal status and, if this call did it, emits the terminal event and notifies. */
async function finishAs(
  deps: PipelineDeps,
  jobId: string,
  status: 'failed' | 'cancelled',
  data: Record<string, unknown>,
  opts: RunOptions,
  meta?: Partial<JobMeta>,
  error?: { code: string; message: string },
): Promise<boolean> {
  const moved = await deps.jobEvents.finish(jobId, status, { ...(error ? { error } : {}), ...(meta ? { meta } : {}) }, data);
  if (!moved) return false;
  await notify(deps, jobId, status, opts);
  return true;
}

/**
 * The terminal status and event are written together now, but a job finished by an older build
 * (status first, event after) whose worker died in between lacks the event; when the job comes
 * round again, the event is written (and the webhook announced) then.
 */
async function ensureTerminalEvent(deps: PipelineDeps, job: JobRow, opts: RunOptions): Promise<void> {
  const [last] = await deps.jobEvents.list(job.id, Math.max(0, job.lastEventSeq - 1), 1);
  if (last && terminalEventTypes.includes(last.type)) return;
  const status = job.status as TerminalStatus;
  const data: Record<string, unknown> = { stage: job.stage };
  if (status === 'failed') Object.assign(data, job.error ?? {});
  if (status === 'completed') data.results = ((await deps.repos.artifacts.get<unknown[]>(job.id, 'final'))?.data ?? []).length;
  await deps.jobEvents.emit(job.id, status, data);
  await notify(deps, job.id, status, opts);
}

async function notify(deps: PipelineDeps, jobId: string, status: TerminalStatus, opts: RunOptions): Promise<void> {
  if (!opts.onFinished) return;
  try {
    await opts.onFinished(jobId, status);
  } catch (err) {
    deps.logger.warn({ err, job_id: jobId, status }, 'job finished hook failed');
  }
}
