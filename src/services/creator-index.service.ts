import type { AppContext, Repositories } from '../app/app-context.js';
import { DEMO_SOURCE } from '../import/demo-source.js';
import type { IndexInfo, IndexStats, RemoveSelector } from '../providers/search-index/creator-index.js';
import type { CallContext } from '../providers/ledger.js';
import { noJob } from '../providers/ledger.js';

/**
 * Operations on the creator index as a whole, shared by `scout import`, `scout index`, `scout demo`
 * and the ingestion API: keeping the demo apart from real data, optimisation bookkeeping, status.
 */
export type IndexOpsDeps = Pick<AppContext, 'providers'> & { repos: Pick<Repositories, 'indexState'> };

/**
 * Called before real (non-demo) creators are written: the demo creators are removed unless
 * `keepDemo`, and the index is marked as having held real data, so the demo is never loaded into it
 * again. Returns how many demo creators went.
 */
export async function prepareForRealData(deps: IndexOpsDeps, source: string, opts: { keepDemo?: boolean; ctx?: CallContext } = {}): Promise<{ demoRemoved: number }> {
  if (source === DEMO_SOURCE) return { demoRemoved: 0 };
  const { index } = deps.providers;
  let demoRemoved = 0;
  if (!opts.keepDemo) {
    demoRemoved = await index.remove({ source: DEMO_SOURCE }, opts.ctx ?? noJob);
    if (demoRemoved > 0) await deps.repos.indexState.markDemoRemoved(index.location);
  }
  await deps.repos.indexState.markRealData(index.location);
  return { demoRemoved };
}

/** True once real creators were written to this index (even if all were removed since). */
export async function hasHeldRealData(deps: IndexOpsDeps): Promise<boolean> {
  return (await deps.repos.indexState.get(deps.providers.index.location)).realDataAt !== null;
}

/** Runs the index's optimisation (when it has one) and records when. */
export async function optimizeIndex(deps: IndexOpsDeps): Promise<boolean> {
  const { index } = deps.providers;
  if (!index.optimize) return false;
  await index.optimize();
  await deps.repos.indexState.markOptimized(index.location);
  return true;
}

export async function removeCreators(deps: IndexOpsDeps, selector: RemoveSelector, ctx: CallContext = noJob): Promise<number> {
  return deps.providers.index.remove(selector, ctx);
}

export interface IndexStatus {
  info: IndexInfo;
  location: string;
  stats: IndexStats;
  /** null when the backend maintains itself (Weaviate) */
  optimizes: boolean;
  lastOptimizedAt: string | null;
  realDataAt: string | null;
  demoRemovedAt: string | null;
}

export async function indexStatus(deps: IndexOpsDeps, opts: { maxAgeDays: number; now?: number }): Promise<IndexStatus> {
  const { index } = deps.providers;
  const [info, stats, state] = await Promise.all([index.info(), index.stats(opts), deps.repos.indexState.get(index.location)]);
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    info,
    location: index.location,
    stats,
    optimizes: index.optimize !== undefined,
    lastOptimizedAt: iso(state.lastOptimizedAt),
    realDataAt: iso(state.realDataAt),
    demoRemovedAt: iso(state.demoRemovedAt),
  };
}
