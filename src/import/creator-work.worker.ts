import { parentPort, workerData } from 'node:worker_threads';
import type { NicheScore } from '../domain/creator.js';
import { creatorDocument } from '../providers/embeddings/embedder.js';
import { openLocalEmbedder } from '../providers/embeddings/local-embedder.js';
import { nicheDoc, nicheScores, significantNiches } from './niche-classifier.js';
import type { CreatorText, CreatorWorkInit, CreatorWorkReply, CreatorWorkRequest } from './creator-work.js';

/**
 * A worker thread of a bulk import: classifies and embeds batches of creators, exactly as the
 * importer does in its own thread (same classifier, same deterministic embedder), and sends back
 * the niches and the vectors (one transferred buffer per batch). Where the embedder has a
 * vocabulary, it also sends the documents' words the index keeps in its own (IndexVocabulary):
 * the tokens embedding met for the first time (once per worker, or again after its memo let them
 * go), so the index need not read every document again after the import.
 */
const init = workerData as CreatorWorkInit;
const port = parentPort!;
const embedder = await openLocalEmbedder(init.embedder);
const vocabularyWord = embedder.vocabularyWord;

port.on('message', (req: CreatorWorkRequest) => {
  try {
    const started = performance.now();
    const dim = embedder.dimension;
    const vectors = new Float32Array(req.creators.length * dim);
    const niches: NicheScore[][] | null = init.nicheModel ? [] : null;
    const firstSeen: string[] | undefined = vocabularyWord ? [] : undefined;
    req.creators.forEach((c: CreatorText, i) => {
      if (niches && init.nicheModel) niches.push(significantNiches(nicheScores(init.nicheModel, nicheDoc(c))));
      vectors.set(embedder.embedOne(creatorDocument(c), firstSeen), i * dim);
    });
    const words = firstSeen && vocabularyWord ? firstSeen.filter(vocabularyWord) : null;
    const reply: CreatorWorkReply = { id: req.id, vectors, niches, words, busyMs: performance.now() - started };
    port.postMessage(reply, [vectors.buffer]);
  } catch (err) {
    port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ ready: true, embedderId: embedder.id });
