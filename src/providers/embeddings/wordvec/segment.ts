/**
 * Vocabulary-driven word break for run-together words, mostly hashtags: "dogsofinstagram" →
 * dogs of instagram, "veganrecipes" → vegan recipes. Dynamic programming over split points picks
 * the split with the lowest total cost, a word's cost being −log of its Zipf probability (from its
 * frequency rank) plus a fixed price per piece, so few common words beat many rare ones. A split is
 * only accepted when every piece is a known word and the pieces are not mostly fragments, which
 * keeps foreign compounds ("hundefutter") from being cut into unrelated English syllables.
 */

export interface Vocabulary {
  /** frequency rank of a known word (0 = most frequent), undefined when unknown */
  rankOf(word: string): number | undefined;
}

const MIN_PIECE = 2;
const MAX_PIECE = 24;
const MAX_PIECES = 5;
/** price of every extra piece, in nats: a split must buy a clearly cheaper explanation */
const PIECE_PENALTY = 4;
/** pieces of two letters must be common words (of, my, in), not rare abbreviations */
const SHORT_PIECE_MAX_RANK = 300;
/** below this length a word is left as it is */
export const MIN_SEGMENT_LENGTH = 6;

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
  for (let end = 1; end <= n; end++) {
    for (let start = Math.max(0, end - MAX_PIECE); start <= end - MIN_PIECE; start++) {
      if (best[start] === Infinity || pieces[start]! >= MAX_PIECES) continue;
      const piece = word.slice(start, end);
      const rank = vocab.rankOf(piece);
      if (rank === undefined || (piece.length === MIN_PIECE && rank > SHORT_PIECE_MAX_RANK)) continue;
      const c = best[start]! + cost(rank) + PIECE_PENALTY;
      if (c < best[end]!) {
        best[end] = c;
        from[end] = start;
        pieces[end] = pieces[start]! + 1;
      }
    }
  }
  if (best[n] === Infinity || pieces[n]! < 2) return null;
  const out: string[] = [];
  for (let end = n; end > 0; end = from[end]!) out.unshift(word.slice(from[end]!, end));
  // mostly two-letter pieces means syllables, not words
  const long = out.filter((p) => p.length > MIN_PIECE).length;
  return long * 2 >= out.length ? out : null;
}
