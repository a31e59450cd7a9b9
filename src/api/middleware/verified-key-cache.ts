import type { ApiKeyRow } from '../../repositories/api-keys.repository.js';
import type { VerifiedKeyMemo } from '../../services/api-keys.service.js';

/** What the cache needs to know about revocations (JobEventsService has it). */
export interface RevocationFeed {
  /** the current epoch while revocations are being received, else null (see JobEventsService) */
  revocationsLiveEpoch(): number | null;
  onKeyRevoked(fn: (apiKeyId: string) => void): () => void;
}

interface Entry {
  key: ApiKeyRow;
  until: number;
  epoch: number;
}

/**
 * Verified API keys of this process, for `ttlMs`. Correctness rests on the revocation channel:
 * a revoke announced on Redis drops the key's entries at once, and an entry is served only while
 * that channel is up and has not reconnected since it was stored (a reconnect may have missed an
 * announcement). Without the channel every request reads Postgres, as before. The TTL bounds what
 * a lost announcement (or a limits change in the admin UI, which is not announced) can cost.
 */
export class VerifiedKeyCache implements VerifiedKeyMemo {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashesOf = new Map<string, Set<string>>();

  constructor(
    private readonly feed: RevocationFeed,
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {
    feed.onKeyRevoked((apiKeyId) => this.forget(apiKeyId));
  }

  get(hash: string, now = Date.now()): ApiKeyRow | undefined {
    const e = this.byHash.get(hash);
    if (!e) return undefined;
    if (e.until <= now || e.epoch !== this.feed.revocationsLiveEpoch()) {
      this.drop(hash, e);
      return undefined;
    }
    return e.key;
  }

  add(hash: string, key: ApiKeyRow, now = Date.now()): void {
    const epoch = this.feed.revocationsLiveEpoch();
    if (epoch === null) return;
    const old = this.byHash.get(hash);
    if (old) this.drop(hash, old);
    this.byHash.set(hash, { key, until: now + this.ttlMs, epoch });
    let set = this.hashesOf.get(key.id);
    if (!set) this.hashesOf.set(key.id, (set = new Set()));
    set.add(hash);
    if (this.byHash.size > this.max) {
      const [oldest, entry] = this.byHash.entries().next().value!;
      this.drop(oldest, entry);
    }
  }

  forget(apiKeyId: string): void {
    for (const hash of this.hashesOf.get(apiKeyId) ?? []) this.byHash.delete(hash);
    this.hashesOf.delete(apiKeyId);
  }

  get size(): number {
    return this.byHash.size;
  }

  private drop(hash: string, e: Entry): void {
    this.byHash.delete(hash);
    const set = this.hashesOf.get(e.key.id);
    set?.delete(hash);
    if (set?.size === 0) this.hashesOf.delete(e.key.id);
  }
}
