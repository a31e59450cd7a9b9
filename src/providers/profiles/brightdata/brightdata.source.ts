import type { Logger } from '../../../app/logger.js';
import { isStale } from '../../../domain/creator.js';
import type { Creator, CreatorKey, Platform } from '../../../domain/creator.js';
import type { Profile, ProfileFetchError, ProfileFetchResult } from '../../../domain/profile.js';
import { ProviderError } from '../../../errors.js';
import type { BrightDataCacheRepository } from '../../../repositories/brightdata-cache.repository.js';
import { GateClosedError } from '../../http/http-client.js';
import { Limiter } from '../../../domain/concurrency.js';
import type { CallContext } from '../../ledger.js';
import type { ProfileSource } from '../profile-source.js';
import { SYNC_SCRAPE_LIMIT } from './brightdata.client.js';
import type { BrightDataClient } from './brightdata.client.js';
import { inputUrl, parseRecord } from './brightdata.records.js';

export interface BrightDataSourceOptions {
  /** dataset ids of the profile scrapers */
  datasets: { instagram: string; tiktok: string };
  cacheTtlHours: number;
  /** PROFILE_MAX_AGE_DAYS: a cached profile fetched longer ago is stale */
  maxAgeDays: number;
  /** batches (scrape calls or async collections) in flight at once, per process */
  concurrency: number;
  /** largest input of one asynchronous collection */
  maxBatch?: number;
  logger?: Logger;
}

/** What the cache holds for one profile: our normalised profile, versioned for later changes. */
interface CachePayload {
  v: 1;
  profile: Profile;
}

const livePlatforms = ['instagram', 'tiktok'] as const satisfies readonly Platform[];
type LivePlatform = (typeof livePlatforms)[number];
const isLive = (p: Platform): p is LivePlatform => (livePlatforms as readonly Platform[]).includes(p);

/**
 * Fresh Instagram and TikTok profiles from BrightData, cache-first: unexpired `brightdata_cache`
 * rows are served without a request; misses are fetched per platform in batches (synchronous
 * scrape up to 20 URLs, asynchronous collection above) with bounded concurrency. It never throws for
 * a profile or a batch it could not get (dead page, private, BrightData down, 429 guard closed):
 * those come back as errors and the enrich stage keeps index data for them, flagged stale.
 */
export class BrightDataProfileSource implements ProfileSource {
  readonly name = 'brightdata';
  /** shared by every fetch of this process, so concurrent enrich batches do not multiply it */
  private readonly limiter: Limiter;

  constructor(
    private readonly client: BrightDataClient,
    private readonly cache: BrightDataCacheRepository,
    private readonly opts: BrightDataSourceOptions,
  ) {
    this.limiter = new Limiter(opts.concurrency);
  }

  async fetch(creators: Creator[], ctx: CallContext): Promise<ProfileFetchResult> {
    const unique = [...new Map(creators.map((c) => [c.key, c])).values()];
    const errors: ProfileFetchError[] = [];
    const live: Creator[] = [];
    for (const c of unique) {
      if (isLive(c.platform)) live.push(c);
      else errors.push({ key: c.key, code: 'unsupported_platform', message: `no live profile data for ${c.platform}; index data is used` });
    }

    const cached = await this.readCache(live);
    const profiles: Profile[] = [...cached.values()];
    const misses = live.filter((c) => !cached.has(c.key));

    const batches = this.batches(misses);
    const results = await Promise.all(batches.map((b) => this.limiter.run(() => this.fetchBatch(b.platform, b.creators, ctx))));
    const fresh = results.flatMap((r) => r.profiles);
    profiles.push(...fresh);
    errors.push(...results.flatMap((r) => r.errors));

    if (fresh.length > 0 && this.opts.cacheTtlHours > 0) {
      await this.cache
        .putMany(
          fresh.map((p) => ({ platform: p.platform, handle: p.handle, payload: { v: 1, profile: p } satisfies CachePayload })),
          this.opts.cacheTtlHours,
        )
        .catch((err: unknown) => this.opts.logger?.warn({ err: (err as Error).message }, 'brightdata cache write failed'));
    }
    return { profiles, errors, cacheHits: cached.size };
  }

  private async readCache(creators: Creator[]): Promise<Map<CreatorKey, Profile>> {
    const out = new Map<CreatorKey, Profile>();
    if (creators.length === 0 || this.opts.cacheTtlHours <= 0) return out;
    let rows;
    try {
      rows = await this.cache.getFresh<CachePayload>(creators.map((c) => ({ platform: c.platform, handle: c.handle })));
    } catch (err) {
      // A cache we cannot read costs money, not correctness: fetch everything.
      this.opts.logger?.warn({ err: (err as Error).message }, 'brightdata cache read failed');
      return out;
    }
    for (const row of rows) {
      const p = row.payload;
      if (p?.v !== 1 || !p.profile || typeof p.profile.handle !== 'string') continue;
      const fetchedAt = new Date(row.fetchedAt).toISOString();
      // a cached profile was observed when it was fetched
      out.set(p.profile.key, {
        ...p.profile,
        dataSource: 'cache',
        observedAt: fetchedAt,
        observedAtBasis: 'fetch',
        stale: isStale(fetchedAt, this.opts.maxAgeDays),
        fetchedAt,
      });
    }
    return out;
  }

  private batches(misses: Creator[]): { platform: LivePlatform; creators: Creator[] }[] {
    const out: { platform: LivePlatform; creators: Creator[] }[] = [];
    const maxBatch = this.opts.maxBatch ?? 500;
    for (const platform of livePlatforms) {
      const list = misses.filter((c) => c.platform === platform);
      // Up to 20 go synchronously; a larger group is one asynchronous collection (or several, capped).
      const size = list.length <= SYNC_SCRAPE_LIMIT ? SYNC_SCRAPE_LIMIT : maxBatch;
      for (let i = 0; i < list.length; i += size) out.push({ platform, creators: list.slice(i, i + size) });
    }
    return out;
  }

  private async fetchBatch(platform: LivePlatform, creators: Creator[], ctx: CallContext): Promise<{ profiles: Profile[]; errors: ProfileFetchError[] }> {
    const wanted = new Map(creators.map((c) => [c.handle, c]));
    let records;
    try {
      records = await this.client.collect(this.opts.datasets[platform], creators.map((c) => inputUrl(platform, c.handle)), ctx);
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.opts.logger?.warn({ err: message, platform, profiles: creators.length, jobId: ctx.jobId }, 'brightdata batch failed; index data stands in');
      const code =
        err instanceof ProviderError && err.cause instanceof GateClosedError ? 'rate_guard' : /circuit open/.test(message) ? 'circuit_open' : 'provider_error';
      return { profiles: [], errors: creators.map((c) => ({ key: c.key, code, message })) };
    }

    const profiles = new Map<string, Profile>();
    const errors = new Map<string, ProfileFetchError>();
    const now = new Date();
    for (const record of records) {
      const parsed = parseRecord(platform, record, now);
      if (parsed.kind === 'unknown' || !parsed.handle) continue;
      const creator = wanted.get(parsed.handle);
      if (!creator) continue; // a record for someone we did not ask about
      if (parsed.kind === 'profile') profiles.set(parsed.handle, parsed.profile);
      else if (!profiles.has(parsed.handle)) errors.set(parsed.handle, { key: creator.key, code: parsed.code, message: parsed.message });
    }
    for (const c of creators) {
      if (profiles.has(c.handle)) errors.delete(c.handle);
      else if (!errors.has(c.handle)) errors.set(c.handle, { key: c.key, code: 'not_returned', message: 'BrightData returned no record for this profile' });
    }
    return { profiles: [...profiles.values()], errors: [...errors.values()] };
  }
}
