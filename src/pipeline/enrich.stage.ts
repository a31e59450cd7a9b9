import type { Profile, ProfileFetchResult } from '../domain/profile.js';
import { profileFromCreator } from '../domain/profile.js';
import { chunk, forEachConcurrent, SerialQueue } from '../domain/concurrency.js';
import type { Candidate, StageRun } from './stage-run.js';

export interface EnrichOutput {
  /** one profile per candidate, in candidate order */
  profiles: Profile[];
  /** profiles the source delivered */
  enriched: number;
  cacheHits: number;
  /** candidates whose fresh fetch failed, so their index data stands in (counter `stale_profiles`) */
  stale: number;
}

/**
 * Fresh profile data for every candidate, in batches with bounded concurrency. A failed fetch —
 * the whole batch or single profiles — never fails the job: the index record stands in (and is
 * `stale` when observed longer ago than PROFILE_MAX_AGE_DAYS, like any profile). Cancellation is
 * checked between batches. `onBatch` gets each batch's profiles as soon as its bookkeeping is done
 * (the streaming pipeline scores them then); batches are handed over one at a time, in the order
 * their fetches finished. A lane starts its next fetch as soon as its batch has arrived, while the
 * batch's bookkeeping (progress, hand-over) waits its turn, so a round's next BrightData request
 * does not wait for the scorers to take the last batch. A slow consumer still holds fetching back:
 * a lane whose batch finds `concurrency` hand-overs already waiting waits for its own. Nothing of
 * the stage runs on after it returns or throws.
 */
export async function runEnrichStage(
  run: StageRun,
  candidates: Candidate[],
  onBatch?: (profiles: Profile[]) => Promise<void>,
): Promise<EnrichOutput> {
  const { deps, runtime } = run;
  const { batchSize, concurrency } = deps.config.enrich;
  const got = new Map<string, Profile>();
  let enriched = 0;
  let cacheHits = 0;
  let stale = 0;
  let done = 0;
  let batchNo = 0;
  const serial = new SerialQueue();
  /** the batches' bookkeeping, queued on `serial` in the order their fetches finished */
  const handovers: Promise<void>[] = [];
  let waiting = 0;
  let bookkeepingFailure: { err: unknown } | null = null;

  /** One batch's bookkeeping; after one has failed the rest are skipped (the stage throws that error). */
  const bookkeep = async (batch: Candidate[], result: ProfileFetchResult) => {
    if (bookkeepingFailure) throw bookkeepingFailure.err;
    try {
      await record(batch, result);
    } catch (err) {
      bookkeepingFailure ??= { err };
      throw err;
    }
  };
  const record = async (batch: Candidate[], result: ProfileFetchResult) => {
    const wanted = new Set(batch.map((c) => c.creator.key));
    for (const p of result.profiles) {
      if (!wanted.has(p.key) || got.has(p.key)) continue;
      got.set(p.key, p);
      enriched++;
    }
    let staleInBatch = 0;
    for (const c of batch) {
      if (got.has(c.creator.key)) continue;
      got.set(c.creator.key, profileFromCreator(c.creator, { maxAgeDays: deps.config.profiles.maxAgeDays }));
      stale++;
      staleInBatch++;
    }
    batchNo++;
    if (staleInBatch > 0) await warnStale(run, batchNo, batch.length, staleInBatch, result);
    cacheHits += result.cacheHits;
    done += batch.length;
    await runtime.progress(done / candidates.length, { enriched, cache_hits: cacheHits, stale_profiles: stale });
    await onBatch?.(batch.map((c) => withIndexNiches(got.get(c.creator.key)!, c)));
  };

  try {
    await forEachConcurrent(
      chunk(candidates, batchSize),
      concurrency,
      async (batch) => {
        let result: ProfileFetchResult;
        try {
          result = await deps.providers.profiles.fetch(batch.map((c) => c.creator), runtime.call);
        } catch (err) {
          runtime.throwIfInterrupted();
          runtime.logger.warn({ err, profiles: batch.length }, 'profile fetch failed; using index data');
          const message = err instanceof Error ? err.message : String(err);
          result = { profiles: [], errors: batch.map((c) => ({ key: c.creator.key, code: 'provider_error', message })), cacheHits: 0 };
        }
        // Batches finish in any order; their bookkeeping runs one at a time so progress only goes up.
        const handover = serial.run(() => bookkeep(batch, result));
        waiting++;
        const settled = () => void waiting--;
        handovers.push(handover.then(settled, settled));
        if (waiting > concurrency) await handover;
      },
      // a failed hand-over (the consumer's error, a cancellation) stops new fetches like a failed batch
      async () => {
        if (bookkeepingFailure) throw bookkeepingFailure.err;
        await runtime.checkpoint();
      },
    );
  } finally {
    await Promise.all(handovers);
  }
  if (bookkeepingFailure) throw (bookkeepingFailure as { err: unknown }).err;

  await runtime.setCounters({ enriched, cache_hits: cacheHits, stale_profiles: stale });
  const profiles = candidates.map((c) => withIndexNiches(got.get(c.creator.key)!, c));
  return { profiles, enriched, cacheHits, stale };
}

/** Niches are inferred from the index's corpus at import; a live profile source has none of its own. */
function withIndexNiches(p: Profile, c: Candidate): Profile {
  return p.niches === undefined && c.creator.niches !== undefined ? { ...p, niches: c.creator.niches } : p;
}

/**
 * Degradation is announced like an LLM fallback: one `warning` event per batch whose fresh
 * profiles could not all be had, with how many and why (BrightData's error codes), so a client
 * watching the stream knows index data stands in for them without reading every result.
 */
async function warnStale(run: StageRun, batchNo: number, size: number, staleCount: number, result: ProfileFetchResult): Promise<void> {
  const reasons: Record<string, number> = {};
  for (const e of result.errors) reasons[e.code] = (reasons[e.code] ?? 0) + 1;
  const why = Object.entries(reasons)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
  await run.runtime.emit('warning', {
    stage: 'enrich',
    code: 'profiles_stale',
    message: `fresh profiles unavailable for ${staleCount} of ${size} creators in batch ${batchNo}${why ? ` (${why})` : ''}; index data stands in (data_source "index")`,
    stale: staleCount,
    reasons,
  });
}
