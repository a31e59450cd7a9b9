import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContext } from '../../src/app/context.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

describe('createContext: the word-vector table', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv({ EMBEDDINGS_PROVIDER: 'wordvec', MIGRATE_ON_START: 'true' });
  });
  after(async () => {
    await env.cleanup();
  });

  it('is not converted or loaded by the API (nor the CLI), which only embeds on /search and ingest', async () => {
    for (const role of ['api', 'cli'] as const) {
      const ctx = await createContext(env.config, { role });
      try {
        assert.equal(ctx.providers.embedder.id, 'wordvec-v1:wink-sg100d-v1:100+h64');
        assert.ok((await ctx.providers.index.info()).backend === 'lancedb', 'the index is open');
        assert.equal(existsSync(path.join(env.dataDir, 'wordvec')), false, `${role}: no table under DATA_DIR/wordvec`);
      } finally {
        await ctx.close();
      }
    }
  });
});
