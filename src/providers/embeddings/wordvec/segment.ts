/**
 * Vocabulary-driven word break for run-together words, mostly hashtags: "dogsofinstagram" →
 * dogs of instagram, "veganrecipes" → vegan recipes. Dynamic programming over split points picks
 * the split with the lowest total cost, a word's cost being −log of its Zipf probability (from its
 * frequency rank) plus a fixed price per piece, so few common words beat many rare ones. A split is
 * only accepted when every piece is a known word and the pieces are not mostly fragments, which
 * keeps foreign compounds ("hundefutter") from being cut into unrelated English syllables.
 */

const MIN_PIECE = 2;
export const MAX_PIECE = 24;
const MAX_PIECES = 5;
/** price of every extra piece, in nats: a split must buy a clearly cheaper explanation */
const PIECE_PENALTY = 4;
/** pieces of two letters must be common words (of, my, in), not rare abbreviations */
const SHORT_PIECE_MAX_RANK = 300;
/** below this length a word is left as it is */
export const MIN_SEGMENT_LENGTH = 6;

export interface Vocabulary {
  /**
   * Calls `found(end, rank)` for every known word `word.slice(start, end)` of MIN_PIECE to
   * MAX_PIECE letters, in ascending `end`; rank = its frequency rank (0 = most frequent).
   */
  piecesAt(word: string, start: number, found: (end: number, rank: number) => void): void;
}

/** The plain vocabulary: every slice cut out and looked up (small vocabularies, and the reference for faster ones). */
export function sliceVocabulary(rankOf: (word: string) => number | undefined): Vocabulary {
  return {
    piecesAt(word, start, found) {
      for (let end = start + MIN_PIECE; end <= Math.min(word.length, start + MAX_PIECE); end++) {
        const rank = rankOf(word.slice(start, end));
        if (rank !== undefined) found(end, rank);
      }
    },
  };
}

function cost(rank: number): number {
  // Zipf: p(rank) ≈ 1 / ((rank + 1) · H), H ≈ ln(vocabulary) + 0.58 ≈ 13
  return Math.log((rank + 1) * 13);
}

/** The pieces of `word`, or null when it has no acceptable split into known words. */
export function segmentWord(word: string, vocab: Vocabulary): string[] | null {
  const n = word.length;
  if (n < MIN_SEGMENT_LENGTH) return null;
  const best = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1).fill(-1);
  const pieces = new Int32Array(n + 1);
  best[0] = 0;
  // left to right: every split point's best explanation is final before pieces are added after it
  for (let start = 0; start < n; start++) {
    const base = best[start]!;
    if (base === Infinity || pieces[start]! >= MAX_PIECES) continue;
    vocab.piecesAt(word, start, (end, rank) => {
      if (end - start === MIN_PIECE && rank > SHORT_PIECE_MAX_RANK) return;
      const c = base + cost(rank) + PIECE_PENALTY;
      // strictly cheaper only: of equal explanations, the one whose last piece starts earliest stays
      if (c < best[end]!) {
        best[end] = c;
        from[end] = start;
        pieces[end] = pieces[start]! + 1;
      }
    });
  }
  if (best[n] === Infinity || pieces[n]! < 2) return null;
  const out: string[] = [];
  for (let end = n; end > 0; end = from[end]!) out.unshift(word.slice(from[end]!, end));
  // mostly two-letter pieces means syllables, not words
  const long = out.filter((p) => p.length > MIN_PIECE).length;
  return long * 2 >= out.length ? out : null;
}
