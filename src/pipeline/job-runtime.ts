import type { AppContext } from '../app/app-context.js';
import type { Logger } from '../app/logger.js';
import type { EventType, JobMeta, Stage } from '../domain/job.js';
import { JobCancelledError } from '../errors.js';
import type { CallContext } from '../providers/ledger.js';
import type { FinishFields, FinishStatus } from '../repositories/jobs.repository.js';

export type RuntimeDeps = Pick<AppContext, 'repos' | 'jobEvents'>;

/** The share of overall progress each stage covers: [start, end). Scoring is the long part. */
const stageSpan: Record<Stage, [number, number]> = {
  expand: [0, 0.05],
  search: [0.05, 0.15],
  enrich: [0.15, 0.4],
  score: [0.4, 0.97],
  rank: [0.97, 1],
};

export const API_KEY_REVOKED_REASON = 'the API key that created the job was revoked';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * One run of one job as the stages see it: events (the repository numbers them per job), stage and
 * progress on the job row, counters in its meta, and the safe points where the run stops when the
 * job is cancelled, times out or the worker hands it back.
 */
export class JobRuntime {
  private current: Stage | null = null;
  /** the last overall progress reported, so overlapping stages never make it go back */
  private overall = 0;
  private stopped: Stage | null = null;
  private readonly counters: Partial<JobMeta> = {};
  /**
   * Enrich and score run side by side and both report; each report (row update + event) runs after
   * the previous one has finished, so events and the row see progress in the order it was reached.
   */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: RuntimeDeps,
    readonly jobId: string,
    /** aborted with the reason the run must stop (a JobHandBackError or JobTimeoutError) */
    readonly signal: AbortSignal,
    readonly logger: Logger,
  ) {}

  /** What every provider call of this run carries: who pays, and when to give up. */
  get call(): CallContext {
    return { jobId: this.jobId, signal: this.signal };
  }

  get stage(): Stage | null {
    return this.current;
  }

  /**
   * The stage whose work stopped the run (cancel seen at its safe point, or a failure). Enrich and
   * score overlap, so a score batch that fails or sees a cancel is reported as `score` even while
   * enrichment still runs.
   */
  get stoppedIn(): Stage | null {
    return this.stopped ?? this.current;
  }

  /** Records the stage whose work stopped the run (the first one wins). */
  stopIn(stage: Stage): void {
    this.stopped ??= stage;
  }

  get meta(): Partial<JobMeta> {
    return { ...this.counters };
  }

  /** Runs one report after every report before it has finished (a failed one doesn't block the next). */
  private inTurn<T>(report: () => Promise<T>): Promise<T> {
    const run = this.tail.then(report, report);
    this.tail = run.catch(() => undefined);
    return run;
  }

  emit(type: EventType, data: Record<string, unknown> = {}): Promise<void> {
    return this.inTurn(async () => {
      await this.deps.jobEvents.emit(this.jobId, type, data);
    });
  }

  /**
   * Moves the job to its terminal status together with its terminal event (one statement), after
   * every report before it. False when the job had already finished.
   */
  finish(status: FinishStatus, job: FinishFields, data: Record<string, unknown>): Promise<boolean> {
    return this.inTurn(() => this.deps.jobEvents.finish(this.jobId, status, job, data));
  }

  enterStage(stage: Stage): Promise<void> {
    this.current = stage;
    return this.inTurn(async () => {
      this.overall = Math.max(this.overall, stageSpan[stage][0]);
      await this.deps.repos.jobs.updateProgress(this.jobId, { stage, progress: this.overall });
      await this.deps.jobEvents.emit(this.jobId, 'stage_started', { stage });
    });
  }

  leaveStage(stage: Stage, summary: Record<string, unknown>): Promise<void> {
    return this.inTurn(async () => {
      this.overall = Math.max(this.overall, stageSpan[stage][1]);
      await this.deps.repos.jobs.updateProgress(this.jobId, { progress: this.overall, meta: this.meta });
      await this.deps.jobEvents.emit(this.jobId, 'stage_completed', { stage, ...summary });
    });
  }

  /** Sets counters (absolute values, so a re-run never double counts) without an event. */
  setCounters(patch: Partial<JobMeta>): Promise<void> {
    Object.assign(this.counters, patch);
    return this.inTurn(async () => {
      await this.deps.repos.jobs.updateProgress(this.jobId, { meta: patch });
    });
  }

  /**
   * Progress within the current stage (0–1): updates the job row and emits a `progress` event with
   * the overall progress and the given counters. `null` keeps the overall progress where it is
   * (work of a later stage overlapping the current one reports only its counters).
   */
  progress(fraction: number | null, patch: Partial<JobMeta> = {}, data: Record<string, unknown> = {}): Promise<void> {
    Object.assign(this.counters, patch);
    const stage = this.current ?? 'expand';
    return this.inTurn(async () => {
      const [start, end] = stageSpan[stage];
      if (fraction !== null) this.overall = Math.max(this.overall, round3(start + (end - start) * Math.min(1, Math.max(0, fraction))));
      const overall = this.overall;
      await this.deps.repos.jobs.updateProgress(this.jobId, { progress: overall, meta: patch });
      await this.deps.jobEvents.emit(this.jobId, 'progress', { stage, progress: overall, ...patch, ...data });
    });
  }

  /** Throws if the run must stop here: interrupted (hand back, timeout), cancelled by the client, or its API key revoked. */
  async checkpoint(): Promise<void> {
    this.throwIfInterrupted();
    const stop = await this.deps.repos.jobs.stopReason(this.jobId);
    if (stop === 'api_key_revoked') throw new JobCancelledError(this.jobId, API_KEY_REVOKED_REASON);
    if (stop) throw new JobCancelledError(this.jobId);
  }

  throwIfInterrupted(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }
}
