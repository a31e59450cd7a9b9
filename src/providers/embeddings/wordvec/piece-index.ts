import { FNV_OFFSET, fnvStep } from '../hashing.embedder.js';

/**
 * Which slices of a run-together word are known words, found without cutting the word into slices.
 *
 * Segmenting a hashtag asks, for every start position, whether each of the next 2–24 letters is a
 * word: a dozen-letter tag costs ~100 substring copies and Map lookups, most of them for slices no
 * word even starts with, and an import segments every unknown token of every creator. This index
 * holds a 32-bit hash of every prefix of every word that can be a piece, so a scan from a start
 * position hashes one more letter per step and stops as soon as no word starts with what it has
 * read (usually after 3–5 letters). Where the hash names a word, the word's own letters are
 * compared, so a hash collision never makes a slice a word; where two words share a hash, the slice
 * is looked up by name. The answers are exactly those of looking up every slice.
 *
 * Prefixes are hashed with FNV-1a (`hashString(FNV_OFFSET, prefix)` of the hashing embedder) and kept
 * in an open-addressing table of two Int32Arrays, at most 70 % full (8 MB for the 554k prefixes of
 * the wink table's words), built on first use.
 */

/** slot value: nothing here */
const EMPTY = 0;
/** slot value: some word starts with this, no word is exactly this */
const PREFIX = -1;
/** slot value: two different words have this hash; look the slice up by name */
const AMBIGUOUS = -2;
// any other value v > 0: the word with id v − 1 (checked letter by letter)

export class PieceIndex {
  private keys = new Int32Array(1 << 12);
  private values = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private used = 0;

  /**
   * `words[id]`: the table's words; only those of 2 to `maxLength` characters can be pieces.
   * `idOf`: the id a word is looked up by (the first of duplicates), for ambiguous hashes.
   */
  constructor(
    private readonly words: readonly string[],
    private readonly maxLength: number,
    private readonly idOf: (word: string) => number | undefined,
  ) {
    for (let id = 0; id < words.length; id++) {
      const w = words[id]!;
      if (w.length < 2 || w.length > maxLength || idOf(w) !== id) continue;
      let h = FNV_OFFSET;
      for (let i = 0; i < w.length; i++) {
        h = fnvStep(h, w.charCodeAt(i));
        this.mark(h, i === w.length - 1 ? id + 1 : PREFIX);
      }
    }
  }

  /**
   * Calls `found(end, id)` for every known word `word.slice(start, end)` of 2 to `maxLength`
   * letters, in ascending `end`.
   */
  piecesAt(word: string, start: number, found: (end: number, id: number) => void): void {
    const last = Math.min(word.length, start + this.maxLength);
    let h = FNV_OFFSET;
    for (let end = start + 1; end <= last; end++) {
      h = fnvStep(h, word.charCodeAt(end - 1));
      const v = this.lookup(h);
      if (v === EMPTY) return;
      if (v === PREFIX || end - start < 2) continue;
      if (v === AMBIGUOUS) {
        const id = this.idOf(word.slice(start, end));
        if (id !== undefined) found(end, id);
      } else if (this.sameLetters(this.words[v - 1]!, word, start, end)) found(end, v - 1);
    }
  }

  private sameLetters(w: string, word: string, start: number, end: number): boolean {
    if (w.length !== end - start) return false;
    for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) !== word.charCodeAt(start + i)) return false;
    return true;
  }

  private slot(h: number): number {
    let s = (h ^ (h >>> 16)) & this.mask;
    while (this.values[s] !== EMPTY && this.keys[s] !== h) s = (s + 1) & this.mask;
    return s;
  }

  private lookup(h: number): number {
    return this.values[this.slot(h)]!;
  }

  private mark(h: number, value: number): void {
    const s = this.slot(h);
    const old = this.values[s]!;
    this.keys[s] = h;
    if (old === EMPTY || old === PREFIX) this.values[s] = value;
    else if (value !== PREFIX && value !== old) this.values[s] = AMBIGUOUS;
    // (a word's slot stays a word when another word merely passes through the same hash as a prefix)
    if (old === EMPTY && ++this.used > this.keys.length * 0.7) this.grow();
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (values[i] === EMPTY) continue;
      const s = this.slot(keys[i]!);
      this.keys[s] = keys[i]!;
      this.values[s] = values[i]!;
    }
  }
}
