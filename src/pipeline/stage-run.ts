import type { AppContext } from '../app/app-context.js';
import type { Creator } from '../domain/creator.js';
import type { JobParams } from '../domain/job.js';
import type { Resemblance } from '../services/lookalike.service.js';
import type { JobRuntime } from './job-runtime.js';

/** What the pipeline needs from the composition root. */
export type PipelineDeps = Pick<AppContext, 'config' | 'logger' | 'repos' | 'providers' | 'jobEvents'>;

/** Everything a stage gets: dependencies, the job's parameters and the run's runtime. */
export interface StageRun {
  deps: PipelineDeps;
  params: JobParams;
  runtime: JobRuntime;
}

/** A creator found by search, with its fused relevance and the queries (by index) that found it. */
export interface Candidate {
  creator: Creator;
  score: number;
  queries: number[];
  /** lookalike jobs: the seed this creator is nearest to, and what they share */
  resembles?: Resemblance;
}
