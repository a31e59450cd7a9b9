import { describe, it } from 'node:test';
import { outageScenario } from './scenarios/outage.scenario.js';

describe('chaos: a dedicated Postgres restarted under load, repeatedly', () => {
  it('loses no accepted job, answers 503 + Retry-After while down, API and worker recover by themselves', { timeout: 900_000 }, async () => {
    await outageScenario({ target: 'postgres', outages: 4, outageMs: 5000, submitEveryMs: 150, candidates: 40 });
  });
});
