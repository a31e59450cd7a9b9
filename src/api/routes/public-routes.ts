import type { AnyRoute } from '../route.js';
import { getHealth } from './health.routes.js';
import { getJobEvents } from './job-events.routes.js';
import { cancelJobRoute, getJob, getJobArtifact, getJobResults } from './jobs.routes.js';
import { startJobRoute } from './pipeline-start.routes.js';
import { searchSimilar } from './search-similar.routes.js';
import { searchCreators } from './search.routes.js';

/**
 * Every public route, in the order they are registered and documented. Express (api/app.ts), the
 * OpenAPI document and the docs test all read this list: a new route is its file + one line here.
 */
export const publicRoutes: readonly AnyRoute[] = [
  getHealth,
  startJobRoute,
  getJob,
  getJobResults,
  getJobArtifact,
  getJobEvents,
  cancelJobRoute,
  searchCreators,
  searchSimilar,
];
