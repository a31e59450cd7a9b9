/** Names for the generated schema types, so callers never spell `components['schemas'][…]`. */
import type { components, paths } from './generated/openapi.js';

type Schemas = components['schemas'];

export type { components, paths, operations } from './generated/openapi.js';
export type StartJobRequest = Schemas['StartJobRequest'];
export type StartJobResponse = Schemas['StartJobResponse'];
export type Job = Schemas['Job'];
export type JobStatus = Job['status'];
export type JobResults = Schemas['JobResults'];
export type RankedResult = Schemas['RankedResult'];
export type Artifact = Schemas['Artifact'];
export type ArtifactKind = paths['/pipeline/jobs/{jobId}/artifacts/{kind}']['get']['parameters']['path']['kind'];
export type JobEvent = Schemas['JobEvent'];
export type JobEventType = JobEvent['type'];
export type JobEventsBatch = Schemas['JobEventsBatch'];
export type SearchRequest = Schemas['SearchRequest'];
export type SearchResponse = Schemas['SearchResponse'];
export type SimilarRequest = Schemas['SimilarRequest'];
export type SimilarResponse = Schemas['SimilarResponse'];
export type Health = Schemas['Health'];
export type Problem = Schemas['Problem'];
export type FieldError = NonNullable<Problem['errors']>[number];

/** The event types after which a job's stream ends. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<JobEventType> = new Set<JobEventType>(['completed', 'failed', 'cancelled']);
