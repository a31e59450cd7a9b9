import type { Queryable } from '../db/pool.js';

export interface IndexState {
  indexId: string;
  /** first time real (non-demo) creators were written; null while the index only ever held the demo */
  realDataAt: Date | null;
  demoRemovedAt: Date | null;
  lastOptimizedAt: Date | null;
}

type Mark = 'real_data_at' | 'demo_removed_at' | 'last_optimized_at';

export class IndexStateRepository {
  constructor(private readonly db: Queryable) {}

  async get(indexId: string): Promise<IndexState> {
    const { rows } = await this.db.query<IndexState>(
      `select index_id as "indexId", real_data_at as "realDataAt", demo_removed_at as "demoRemovedAt",
              last_optimized_at as "lastOptimizedAt"
       from creator_index_state where index_id = $1`,
      [indexId],
    );
    return rows[0] ?? { indexId, realDataAt: null, demoRemovedAt: null, lastOptimizedAt: null };
  }

  /** The index holds real data from now on; the first time is kept. */
  markRealData(indexId: string): Promise<void> {
    return this.mark(indexId, 'real_data_at', true);
  }

  markDemoRemoved(indexId: string): Promise<void> {
    return this.mark(indexId, 'demo_removed_at', false);
  }

  markOptimized(indexId: string): Promise<void> {
    return this.mark(indexId, 'last_optimized_at', false);
  }

  private async mark(indexId: string, column: Mark, keepFirst: boolean): Promise<void> {
    const value = keepFirst ? `coalesce(creator_index_state.${column}, excluded.${column})` : `excluded.${column}`;
    await this.db.query(
      `insert into creator_index_state (index_id, ${column}) values ($1, now())
       on conflict (index_id) do update set ${column} = ${value}, updated_at = now()`,
      [indexId],
    );
  }
}
