// What a test can set on the fake BrightData (at construction, or later through the control API),
// the faults it can script, and the bill it keeps.
/** Field-name variant of Instagram records: catalog type, docs' short example, or alternating. */
export type InstagramVariant = 'catalog' | 'short' | 'mixed';

export type BrightDataFault =
  | 'hang'
  | 'drop'
  /** /scrape: 202 with a snapshot id (the collection outlived the request) */
  | 'not_ready'
  /** /snapshot: 400 Snapshot is expired / Snapshot is empty, 404 Snapshot does not exist */
  | 'expired'
  | 'empty'
  | 'missing'
  | { status: number; body?: string; retryAfter?: string };

export type Operation = 'scrape' | 'trigger' | 'progress' | 'snapshot';

export interface FakeBrightDataOptions {
  apiKey: string;
  datasets: { instagram: string; tiktok: string };
  instagramVariant: InstagramVariant;
  /** statuses /progress walks through for each snapshot, ending on the last one */
  progressSequence: string[];
  /** /snapshot answers 202 (running, building, …) this many times before the data */
  snapshotNotReady: number;
  /** Retry-After (seconds) on 202 answers; null sends none */
  retryAfter202: string | null;
  /** every /scrape answers 202 and goes asynchronous */
  scrapeAlwaysAsync: boolean;
  /** handles that come back as dead_page error records (unknown handles do too) */
  dead: string[];
  /** handles whose record says is_private */
  private: string[];
  /** include `input: {url}` in profile records (error records always carry it) */
  echoInput: boolean;
  /** chaos: probability of a random 500 / 429 (with retryAfter429) per request */
  errorRate: number;
  rateLimitRate: number;
  retryAfter429: string | null;
}

export interface BrightDataBill {
  /** delivered profile records (billed) */
  records: number;
  /** error records delivered (not billed) */
  errorRecords: number;
  requests: Record<Operation, number>;
  status429: number;
}

export const defaults: FakeBrightDataOptions = {
  apiKey: 'bd-test-key',
  datasets: { instagram: 'gd_l1vikfch901nx3by4', tiktok: 'gd_l1villgoiiidt09ci' },
  instagramVariant: 'catalog',
  progressSequence: ['starting', 'running', 'ready'],
  snapshotNotReady: 0,
  retryAfter202: '0',
  scrapeAlwaysAsync: false,
  dead: [],
  private: [],
  echoInput: false,
  errorRate: 0,
  rateLimitRate: 0,
  retryAfter429: '1',
};

export const emptyBill = (): BrightDataBill => ({ records: 0, errorRecords: 0, requests: { scrape: 0, trigger: 0, progress: 0, snapshot: 0 }, status429: 0 });

