import type { CreatorKey } from '../domain/creator.js';
import type { FitScore } from '../domain/job.js';
import type { Profile } from '../domain/profile.js';
import { resemblanceText } from '../services/lookalike.service.js';
import type { Resemblance } from '../services/lookalike.service.js';
import { checkFitScores } from '../providers/llm/llm.js';
import type { ScoringBrief } from '../providers/llm/llm.js';
import { SerialQueue } from '../domain/concurrency.js';
import type { ExpandOutput } from './expand.stage.js';
import { pendingSummary, rankProfiles } from './results.js';
import type { StageRun } from './stage-run.js';

export interface ScoreOutput {
  scores: Map<CreatorKey, FitScore>;
  /** batches scored by the rule-based fallback because the LLM failed */
  fallbackBatches: number;
  /** scores carried over from an interrupted attempt */
  resumed: number;
}

/** The private `scores` artifact: every score so far, so a re-run scores only what is left. */
interface SavedScores {
  scores: FitScore[];
  fallback_batches: number;
}

const PARTIAL_TOP = 5;

/**
 * Fit scores in batches of SCORE_BATCH_SIZE, SCORE_CONCURRENCY at a time, for a list of profiles
 * known up front (the streaming pipeline feeds a `ScoreStream` as enrichment delivers instead).
 */
export async function runScoreStage(
  run: StageRun,
  expand: ExpandOutput,
  profiles: Profile[],
  resembles?: ReadonlyMap<CreatorKey, Resemblance>,
): Promise<ScoreOutput> {
  const stream = await ScoreStream.start(run, expand, profiles, resembles);
  try {
    await stream.push(profiles);
  } catch (err) {
    await stream.abort(err);
    throw err;
  }
  return stream.finish();
}

/**
 * Scores profiles as they arrive: whole batches of SCORE_BATCH_SIZE are scored as soon as they
 * fill (the last one when the stream is closed), SCORE_CONCURRENCY at a time, so scoring overlaps
 * enrichment. After every batch the `progressive` (top so far), `remaining` (not yet scored) and
 * private `scores` artifacts are rewritten together in one statement and `partial_results` +
 * `progress` events go out, so clients see results early. Cancellation is checked before each
 * batch; a re-run scores only what is left (saved scores are loaded when the stream starts).
 *
 * The queue between the producer and the scorers is bounded: `push` waits while more than one
 * round of batches is waiting, so a slow LLM holds enrichment back instead of buffering without end.
 */
export class ScoreStream {
  private readonly brief: ScoringBrief;
  /** every profile the job will score, in candidate order: stand-ins until the fresh one arrives */
  private readonly profiles = new Map<CreatorKey, Profile>();
  private readonly scores = new Map<CreatorKey, FitScore>();
  private readonly pending: Profile[] = [];
  private readonly serial = new SerialQueue();
  private readonly waiters: (() => void)[] = [];
  private fallbackBatches = 0;
  private resumed = 0;
  private inFlight = 0;
  private batches = 0;
  private closed = false;
  private failed = false;
  private failure: unknown;
  /** when the first batch started and the last one finished (the stage's `duration_ms` is this span) */
  private firstStartedAt: number | null = null;
  private lastDoneAt: number | null = null;

  private constructor(
    private readonly run: StageRun,
    expand: ExpandOutput,
    universe: Profile[],
    /** a lookalike's candidates: which seed each resembles (its rationale says so first) */
    private readonly resembles?: ReadonlyMap<CreatorKey, Resemblance>,
  ) {
    this.brief = { brief: expand.brief, expansion: expand.expansion, filters: expand.filters };
    for (const p of universe) this.profiles.set(p.key, p);
  }

  /** Loads the scores of an interrupted attempt and publishes the artifacts as they stand. */
  static async start(run: StageRun, expand: ExpandOutput, universe: Profile[], resembles?: ReadonlyMap<CreatorKey, Resemblance>): Promise<ScoreStream> {
    const s = new ScoreStream(run, expand, universe, resembles);
    const saved = await run.deps.repos.artifacts.get<SavedScores>(run.runtime.jobId, 'scores');
    for (const x of saved?.data.scores ?? []) if (s.profiles.has(x.key)) s.scores.set(x.key, x);
    s.fallbackBatches = saved?.data.fallback_batches ?? 0;
    s.resumed = s.scores.size;
    await s.publish();
    await run.runtime.setCounters({ scored: s.scores.size, fallback_batches: s.fallbackBatches });
    return s;
  }

  private get capacity(): number {
    const { batchSize, concurrency } = this.run.deps.config.scoring;
    return Math.max(1, batchSize) * Math.max(1, concurrency);
  }

  /** Hands over fresh profiles; resolves once the queue has room again. Throws the stream's failure. */
  async push(profiles: Profile[]): Promise<void> {
    if (this.closed) throw new Error('score stream is closed');
    for (const p of profiles) {
      if (!this.profiles.has(p.key)) continue;
      this.profiles.set(p.key, p);
      if (!this.scores.has(p.key)) this.pending.push(p);
    }
    this.pump();
    while (!this.failed && this.pending.length > this.capacity) await this.changed();
    if (this.failed) throw this.failure;
  }

  /** No more profiles: scores what is left and resolves with every score once the last batch is in. */
  async finish(): Promise<ScoreOutput> {
    this.closed = true;
    this.pump();
    while (this.inFlight > 0 || (!this.failed && this.pending.length > 0)) await this.changed();
    if (this.failed) throw this.failure;
    return { scores: this.scores, fallbackBatches: this.fallbackBatches, resumed: this.resumed };
  }

  /** The producer failed: starts no new batch and waits for those in flight (their results are kept). */
  async abort(reason: unknown): Promise<void> {
    this.fail(reason);
    while (this.inFlight > 0) await this.changed();
  }

  /** Milliseconds from the first batch's start to the last one's end (0 when nothing was scored). */
  get spanMs(): number {
    return this.firstStartedAt === null || this.lastDoneAt === null ? 0 : Math.round(this.lastDoneAt - this.firstStartedAt);
  }

  private fail(reason: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = reason;
    this.wake();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Starts batches while there is a full one (or, once closed, any rest) and a free slot. */
  private pump(): void {
    const { batchSize, concurrency } = this.run.deps.config.scoring;
    const size = Math.max(1, Math.floor(batchSize));
    while (!this.failed && this.inFlight < Math.max(1, Math.floor(concurrency)) && (this.pending.length >= size || (this.closed && this.pending.length > 0))) {
      const batch = this.pending.splice(0, size);
      const no = ++this.batches;
      this.inFlight++;
      this.firstStartedAt ??= performance.now();
      void this.scoreBatch(batch, no)
        .catch((err: unknown) => {
          if (!this.failed) this.run.runtime.stopIn('score');
          this.fail(err);
        })
        .finally(() => {
          this.inFlight--;
          this.lastDoneAt = performance.now();
          this.pump();
          this.wake();
        });
    }
  }

  private async scoreBatch(batch: Profile[], no: number): Promise<void> {
    const { deps, runtime } = this.run;
    await runtime.checkpoint();
    // one whole 0–100 score per profile, a failed batch already answered by the rule-based scorer (the Llm contract)
    const { llm } = deps.providers;
    const answer = checkFitScores(llm.name, batch, await llm.scoreFit(this.brief, batch, runtime.call)).map((s) => this.withResemblance(s));
    // Batches finish in any order; their bookkeeping runs one at a time so artifacts stay consistent.
    await this.serial.run(async () => {
      for (const s of answer) this.scores.set(s.key, s);
      const fellBack = answer.some((s) => s.fallback === true);
      if (fellBack) this.fallbackBatches++;
      const top = await this.publish();
      if (fellBack) {
        await runtime.emit('warning', {
          stage: 'score',
          code: 'score_fallback',
          message: `LLM scoring failed for batch ${no}; rule-based scores stand in for its ${batch.length} profiles`,
        });
      }
      const total = this.profiles.size;
      const counters = { scored: this.scores.size, fallback_batches: this.fallbackBatches };
      await runtime.emit('partial_results', {
        scored: this.scores.size,
        total,
        top: top.slice(0, PARTIAL_TOP).map((r) => ({ rank: r.rank, platform: r.platform, handle: r.handle, fit_score: r.fit_score })),
      });
      // while enrichment still runs, the overall progress is its; scoring only adds its counters
      await runtime.progress(runtime.stage === 'score' ? this.scores.size / total : null, counters, { total });
    });
  }

  private withResemblance(s: FitScore): FitScore {
    const r = this.resembles?.get(s.key);
    return r ? { ...s, rationale: `${resemblanceText(r)}. ${s.rationale}` } : s;
  }

  private async publish() {
    const { deps, params, runtime } = this.run;
    const all = [...this.profiles.values()];
    const top = rankProfiles(all, this.scores, params.topK, params.minFitScore ?? 0);
    const remaining = all.filter((p) => !this.scores.has(p.key)).map(pendingSummary);
    await deps.repos.artifacts.putMany(runtime.jobId, {
      scores: { scores: [...this.scores.values()], fallback_batches: this.fallbackBatches } satisfies SavedScores,
      progressive: top,
      remaining,
    });
    return top;
  }
}
