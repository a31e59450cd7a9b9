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
 * vocabulary, it also sends the documents' words the index keeps in its own (IndexVocabulary),
 * each word once per worker: the tokens embedding found anyway, so the index need not read every
 * document again after the import.
 */
const init = workerData as CreatorWorkInit;
const port = parentPort!;
const embedder = await openLocalEmbedder(init.embedder);
const vocabularyWord = embedder.vocabularyWord;
/** words this worker has looked at already (sent, or not vocabulary words) */
const wordsSeen = new Set<string>();

port.on('message', (req: CreatorWorkRequest) => {
  try {
    const started = performance.now();
    const dim = embedder.dimension;
    const vectors = new Float32Array(req.creators.length * dim);
    const niches: NicheScore[][] | null = init.nicheModel ? [] : null;
    const batchWords = vocabularyWord ? new Set<string>() : undefined;
    req.creators.forEach((c: CreatorText, i) => {
      if (niches && init.nicheModel) niches.push(significantNiches(nicheScores(init.nicheModel, nicheDoc(c))));
      vectors.set(embedder.embedOne(creatorDocument(c), batchWords), i * dim);
    });
    let words: string[] | null = null;
    if (batchWords && vocabularyWord) {
      words = [];
      for (const word of batchWords) {
        if (wordsSeen.has(word)) continue;
        wordsSeen.add(word);
        if (vocabularyWord(word)) words.push(word);
      }
    }
    const reply: CreatorWorkReply = { id: req.id, vectors, niches, words, busyMs: performance.now() - started };
    port.postMessage(reply, [vectors.buffer]);
  } catch (err) {
    port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ ready: true, embedderId: embedder.id });
