import { defaultPrices } from '../../src/config.js';
import type { Prices } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import type { Pool } from '../../src/db/pool.js';
import type { Platform } from '../../src/domain/creator.js';
import { creatorKey, profileUrl } from '../../src/domain/creator.js';
import type { Profile } from '../../src/domain/profile.js';
import { Ledger } from '../../src/providers/ledger.js';
import { ExternalCallsRepository } from '../../src/repositories/external-calls.repository.js';
import { createTestDatabase } from '../helpers/test-env.js';
import type { TestDatabase } from '../helpers/test-env.js';

export interface LedgerRow {
  service: string;
  operation: string;
  status: 'ok' | 'error' | 'fallback';
  httpStatus: number | null;
  units: Record<string, number>;
  costUsd: number;
  error: string | null;
}

/** A real ledger on a fresh test database, and a way to read back what it recorded. */
export interface LedgerKit {
  db: TestDatabase;
  pool: Pool;
  ledger: Ledger;
  rows(service?: string): Promise<LedgerRow[]>;
  clear(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function ledgerKit(prices: Prices = defaultPrices): Promise<LedgerKit> {
  const db = await createTestDatabase();
  const pool = createPool(db.url, 4);
  const ledger = new Ledger(new ExternalCallsRepository(pool), prices);
  return {
    db,
    pool,
    ledger,
    async rows(service) {
      const { rows } = await pool.query<LedgerRow>(
        `select service, operation, status, http_status as "httpStatus", units, cost_usd as "costUsd", error
         from external_calls where ($1::text is null or service = $1) order by id`,
        [service ?? null],
      );
      return rows;
    },
    async clear() {
      await pool.query('delete from external_calls');
    },
    async cleanup() {
      await pool.end();
      await db.drop();
    },
  };
}

/** Sum of one unit over ledger rows. */
export const sumUnits = (rows: LedgerRow[], unit: string) => rows.reduce((n, r) => n + (r.units[unit] ?? 0), 0);
export const sumCost = (rows: LedgerRow[]) => rows.reduce((n, r) => n + r.costUsd, 0);

export function testProfile(handle: string, over: Partial<Profile> = {}, platform: Platform = 'instagram'): Profile {
  return {
    key: creatorKey(platform, handle),
    platform,
    handle,
    displayName: handle,
    bio: '',
    categories: [],
    topics: [],
    followers: 50_000,
    following: 300,
    postsCount: 200,
    engagementRate: 0.03,
    country: 'US',
    language: 'en',
    verified: false,
    isPrivate: false,
    email: null,
    profileUrl: profileUrl(platform, handle),
    recentPosts: [],
    dataSource: 'index',
    observedAt: new Date().toISOString(),
    observedAtBasis: 'source',
    stale: false,
    fetchedAt: new Date(0).toISOString(),
    ...over,
  };
}
