import { isStale } from '../../domain/creator.js';

/** Observation age bands of `scout index status`, by their upper bound in days (the last is open). */
export const ageBands = [
  { label: '≤ 30 days', maxDays: 30 },
  { label: '31–180 days', maxDays: 180 },
  { label: '181 days – 1 year', maxDays: 365 },
  { label: '1–3 years', maxDays: 3 * 365 },
  { label: '> 3 years', maxDays: Number.POSITIVE_INFINITY },
] as const;

export interface IndexStats {
  count: number;
  bySource: Record<string, number>;
  byPlatform: Record<string, number>;
  /** creators per source and platform: `bySourcePlatform[source][platform]` */
  bySourcePlatform: Record<string, Record<string, number>>;
  freshness: {
    oldest: string | null;
    newest: string | null;
    /** creators per observation age band (ageBands labels) */
    byAge: Record<string, number>;
    /** creators per observedAtBasis */
    byBasis: Record<string, number>;
    /** observed longer ago than maxAgeDays */
    stale: number;
    maxAgeDays: number;
  };
  /** bytes the index takes on local disk; null when it lives elsewhere (Weaviate) */
  diskBytes: number | null;
}

/** The fields of a creator the statistics read. */
export interface StatsRow {
  source: string;
  platform: string;
  observedAt: string;
  observedAtBasis: string;
}

/** Accumulates IndexStats row by row, so a backend can feed it page by page. */
export class StatsAccumulator {
  private readonly stats: IndexStats;
  private oldest = Number.POSITIVE_INFINITY;
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: { maxAgeDays: number; now?: number },
    diskBytes: number | null = null,
  ) {
    this.stats = {
      count: 0,
      bySource: {},
      byPlatform: {},
      bySourcePlatform: {},
      freshness: {
        oldest: null,
        newest: null,
        byAge: Object.fromEntries(ageBands.map((b) => [b.label, 0])),
        byBasis: {},
        stale: 0,
        maxAgeDays: opts.maxAgeDays,
      },
      diskBytes,
    };
  }

  add(row: StatsRow): void {
    const s = this.stats;
    const now = this.opts.now ?? Date.now();
    s.count++;
    s.bySource[row.source] = (s.bySource[row.source] ?? 0) + 1;
    s.byPlatform[row.platform] = (s.byPlatform[row.platform] ?? 0) + 1;
    const sp = (s.bySourcePlatform[row.source] ??= {});
    sp[row.platform] = (sp[row.platform] ?? 0) + 1;
    s.freshness.byBasis[row.observedAtBasis] = (s.freshness.byBasis[row.observedAtBasis] ?? 0) + 1;
    const t = Date.parse(row.observedAt);
    if (Number.isFinite(t)) {
      this.oldest = Math.min(this.oldest, t);
      this.newest = Math.max(this.newest, t);
      const days = (now - t) / 86_400_000;
      const band = ageBands.find((b) => days <= b.maxDays)!;
      s.freshness.byAge[band.label]!++;
    }
    if (isStale(row.observedAt, this.opts.maxAgeDays, now)) s.freshness.stale++;
  }

  result(): IndexStats {
    if (this.stats.count > 0 && Number.isFinite(this.oldest)) {
      this.stats.freshness.oldest = new Date(this.oldest).toISOString();
      this.stats.freshness.newest = new Date(this.newest).toISOString();
    }
    return this.stats;
  }
}
