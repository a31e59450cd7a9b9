import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AppContext } from '../app/app-context.js';
import type { JobEvent } from '../repositories/events.repository.js';

/** Open stages tracked per job; a job handed back mid-stage never closes its entry, so cap them. */
const OPEN_STAGES_MAX = 10_000;

/**
 * External calls and stage durations, recorded in the process that makes them (mostly the worker)
 * by observing the ledger and the job events it emits. Counters and histograms therefore sum
 * correctly across processes; each process exposes its own (see docs/operations.md).
 */
export function attachPipelineMetrics(ctx: Pick<AppContext, 'ledger' | 'jobEvents' | 'logger'>, registry: Registry): () => void {
  const callDuration = new Histogram({
    name: 'scout_external_call_duration_seconds',
    help: 'Duration of calls to external services (LLM, embeddings, BrightData, Weaviate, index), by outcome',
    labelNames: ['service', 'operation', 'status'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const callCost = new Counter({
    name: 'scout_external_call_cost_usd_total',
    help: 'Estimated cost of external calls in USD (from the configured price table)',
    labelNames: ['service', 'operation'],
    registers: [registry],
  });
  const stageDuration = new Histogram({
    name: 'scout_pipeline_stage_duration_seconds',
    help: 'Duration of pipeline stages; outcome is ok, failed or cancelled',
    labelNames: ['stage', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });

  const finished = new Counter({
    name: 'scout_jobs_finished_total',
    help: 'Jobs that reached a terminal status in this process, by status',
    labelNames: ['status'],
    registers: [registry],
  });

  const open = new Map<string, { stage: string; started: number }>();
  const onEvent = (jobId: string, event: JobEvent) => {
    const stage = typeof event.data.stage === 'string' ? event.data.stage : undefined;
    const current = open.get(jobId);
    switch (event.type) {
      case 'stage_started':
        if (!stage) return;
        open.delete(jobId);
        if (open.size >= OPEN_STAGES_MAX) open.delete(open.keys().next().value!);
        open.set(jobId, { stage, started: performance.now() });
        return;
      case 'stage_completed':
        if (current && current.stage === stage) stageDuration.observe({ stage, outcome: 'ok' }, (performance.now() - current.started) / 1000);
        open.delete(jobId);
        return;
      case 'failed':
      case 'cancelled':
        if (current) stageDuration.observe({ stage: current.stage, outcome: event.type }, (performance.now() - current.started) / 1000);
        finished.inc({ status: event.type });
        open.delete(jobId);
        return;
      case 'completed':
        finished.inc({ status: 'completed' });
        open.delete(jobId);
        return;
      default:
    }
  };

  const unsubscribers = [
    ctx.ledger.observe((call) => {
      try {
        callDuration.observe({ service: call.service, operation: call.operation, status: call.status }, call.durationMs / 1000);
        if (call.costUsd > 0) callCost.inc({ service: call.service, operation: call.operation }, call.costUsd);
      } catch (err) {
        ctx.logger.debug({ err }, 'metrics: could not observe an external call');
      }
    }),
    ctx.jobEvents.observe(onEvent),
  ];
  return () => {
    for (const u of unsubscribers) u();
    open.clear();
  };
}
