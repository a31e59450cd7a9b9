/**
 * Rehearsal mode: `npm run fakes` starts the wire-level fakes of every paid service on loopback —
 * an OpenAI-compatible LLM, an OpenAI-compatible embeddings server, BrightData's datasets API and
 * Weaviate (REST + gRPC) — prints the environment block that points the service at them, and runs
 * until Ctrl-C. BrightData knows every creator of the current index (the LanceDB index under
 * LANCEDB_DIR / DATA_DIR of this shell, or whatever was imported into the Weaviate fake), with
 * fresher numbers. All four answer the same control API under /__fake/ (docs/providers.md,
 * "Rehearse production locally").
 *
 *   npm run fakes                      # ports 18410–18414
 *   npm run fakes -- --port-base 0     # any free ports
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPrices, loadConfig } from '../../src/config.js';
import type { Creator, CreatorKey } from '../../src/domain/creator.js';
import { HashingEmbedder } from '../../src/providers/embeddings/hashing.embedder.js';
import { LanceDbIndex } from '../../src/providers/search-index/lancedb.index.js';
import { creatorUuid, fromProperties } from '../../src/providers/search-index/weaviate/schema.js';
import { Ledger } from '../../src/providers/ledger.js';
import { FakeBrightData } from './brightdata/server.js';
import { freshProfilesOf } from './brightdata/profiles.js';
import type { FakeCreatorProfile } from './brightdata/profiles.js';
import { FakeOpenAi } from './openai.fake.js';
import { startWeaviateFake } from './weaviate.fake.js';

export const REHEARSAL_KEYS = { openai: 'sk-rehearsal', brightdata: 'bd-rehearsal', weaviate: 'wv-rehearsal' };
export const REHEARSAL_EMBEDDING_DIM = 256;
/** the line after the environment block (tests and scripts wait for it) */
export const READY_LINE = '# fakes ready; Ctrl-C stops them';

const { values } = parseArgs({ options: { 'port-base': { type: 'string', default: '18410' } }, strict: true });
const base = Number(values['port-base']);
if (!Number.isInteger(base) || base < 0 || base > 65_530) {
  console.error(`--port-base must be a port number, got "${values['port-base']}"`);
  process.exit(2);
}
const port = (offset: number) => (base === 0 ? 0 : base + offset);

const llm = new FakeOpenAi({ apiKey: REHEARSAL_KEYS.openai });
const embeddings = new FakeOpenAi({ apiKey: REHEARSAL_KEYS.openai, embeddingDim: REHEARSAL_EMBEDDING_DIM });
const brightdata = new FakeBrightData({ apiKey: REHEARSAL_KEYS.brightdata });
await llm.start(port(0));
await embeddings.start(port(1));
await brightdata.start(port(2));
const weaviate = await startWeaviateFake({ apiKeys: [REHEARSAL_KEYS.weaviate], httpPort: port(3), grpcPort: port(4) });

// BrightData learns the creators it is asked about from the current index, like the real one knows them.
const noLedger = Ledger.silent(defaultPrices);
const lanceIndexes: { dir: string; index: LanceDbIndex }[] = [];
let rehearsalDir = 'data/lancedb-rehearsal';
try {
  const config = loadConfig();
  // the rehearsal builds its own LanceDB index (another embedder than the current one); both are read
  rehearsalDir = path.join(config.dataDir, 'lancedb-rehearsal');
  for (const dir of [rehearsalDir, config.search.lancedbDir]) {
    // reads only (get by key): the embedder is never used
    lanceIndexes.push({ dir, index: new LanceDbIndex({ dir, embedder: new HashingEmbedder({ dimension: 8 }, noLedger) }, noLedger) });
  }
} catch (err) {
  console.error(`# LanceDB lookups off: ${(err as Error).message}`);
}
const fromWeaviate = (key: CreatorKey): Creator | null => {
  for (const c of weaviate.store.list()) {
    const o = c.objects.get(creatorUuid(key));
    if (o) return fromProperties(o.properties);
  }
  return null;
};
const fromLance = async (key: CreatorKey): Promise<Creator | null> => {
  for (const { index } of lanceIndexes) {
    const [found] = await index.get([key]).catch(() => []);
    if (found) return found;
  }
  return null;
};
brightdata.lookup = async (platform, handle): Promise<FakeCreatorProfile | null> => {
  const key = `${platform}:${handle}` as CreatorKey;
  const creator = fromWeaviate(key) ?? (await fromLance(key));
  return creator ? { ...freshProfilesOf([creator])[0]!, platform } : null;
};
const counts = await Promise.all(lanceIndexes.map(async ({ dir, index }) => `${dir} (${await index.count().catch(() => 0)} now)`));

const lines = [
  '# --- production providers, on the local fakes: paste into the API and worker environment ---',
  'LLM_PROVIDER=openai',
  `LLM_BASE_URL=${llm.url}/v1`,
  `LLM_API_KEY=${REHEARSAL_KEYS.openai}`,
  'LLM_MODEL=gpt-4o-mini',
  'EMBEDDINGS_PROVIDER=openai',
  `EMBEDDINGS_BASE_URL=${embeddings.url}/v1`,
  `EMBEDDINGS_API_KEY=${REHEARSAL_KEYS.openai}`,
  'EMBEDDINGS_MODEL=text-embedding-3-small',
  `EMBEDDINGS_DIM=${REHEARSAL_EMBEDDING_DIM}`,
  `LANCEDB_DIR=${rehearsalDir}`,
  'PROFILE_SOURCE=brightdata',
  `BRIGHTDATA_BASE_URL=${brightdata.url}`,
  `BRIGHTDATA_API_KEY=${REHEARSAL_KEYS.brightdata}`,
  '# --- and to rehearse on Weaviate instead of LanceDB, add ---',
  'SEARCH_BACKEND=weaviate',
  `WEAVIATE_URL=${weaviate.url}`,
  `WEAVIATE_GRPC_URL=${weaviate.grpcUrl}`,
  `WEAVIATE_API_KEY=${REHEARSAL_KEYS.weaviate}`,
  '# --- control API (GET /__fake/state, /__fake/requests; POST /__fake/fail, /latency, /script, /options, /reset) ---',
  `# llm ${llm.url}  embeddings ${embeddings.url}  brightdata ${brightdata.url}  weaviate ${weaviate.url}`,
  `# brightdata knows the creators of the LanceDB indexes in ${counts.join(', ') || '(none)'} and of the Weaviate fake, with +1000 followers`,
  READY_LINE,
];
process.stdout.write(`${lines.join('\n')}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  await Promise.allSettled([llm.stop(), embeddings.stop(), brightdata.stop(), weaviate.close(), ...lanceIndexes.map((l) => l.index.close())]);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
