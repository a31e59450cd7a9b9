import { parentPort, workerData } from 'node:worker_threads';
import type { Creator, NicheScore } from '../domain/creator.js';
import { creatorDocument } from '../providers/embeddings/embedder.js';
import { openLocalEmbedder } from '../providers/embeddings/local-embedder.js';
import { nicheDoc, nicheScores, significantNiches } from './niche-classifier.js';
import type { CreatorWorkInit, CreatorWorkReply, CreatorWorkRequest } from './creator-work.js';

/**
 * A worker thread of a bulk import: classifies and embeds batches of creators, exactly as the
 * importer does in its own thread (same classifier, same deterministic embedder), and sends back
 * the niches and the vectors (one transferred buffer per batch).
 */
const init = workerData as CreatorWorkInit;
const port = parentPort!;
const embedder = await openLocalEmbedder(init.embedder);

port.on('message', (req: CreatorWorkRequest) => {
  try {
    const started = performance.now();
    const dim = embedder.dimension;
    const vectors = new Float32Array(req.creators.length * dim);
    const niches: NicheScore[][] | null = init.nicheModel ? [] : null;
    req.creators.forEach((c: Creator, i) => {
      if (niches && init.nicheModel) niches.push(significantNiches(nicheScores(init.nicheModel, nicheDoc(c))));
      vectors.set(embedder.embedOne(creatorDocument(c)), i * dim);
    });
    const reply: CreatorWorkReply = { id: req.id, vectors, niches, busyMs: performance.now() - started };
    port.postMessage(reply, [vectors.buffer]);
  } catch (err) {
    port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ ready: true, embedderId: embedder.id });
