import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { layerOf, LAYERS, upwardImports } from '../../scripts/layers.js';

describe('layer direction', () => {
  test('every src/ import runs to the same or a lower layer (or into the composition root)', () => {
    assert.deepEqual(upwardImports(), []);
  });

  test('the layers are ordered as the README describes them', () => {
    assert.ok(layerOf('domain/job.ts') < layerOf('repositories/jobs.repository.ts'));
    assert.ok(layerOf('repositories/jobs.repository.ts') < layerOf('providers/ledger.ts'));
    assert.ok(layerOf('providers/ledger.ts') < layerOf('services/jobs.service.ts'));
    assert.ok(layerOf('pipeline/run-pipeline.ts') < layerOf('api/app.ts'));
    assert.equal(LAYERS[layerOf('app/context.ts')]!.name, 'root');
    assert.throws(() => layerOf('somewhere-new/x.ts'), /in no layer/);
  });
});
