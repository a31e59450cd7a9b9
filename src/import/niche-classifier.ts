import { inferredNiches, NICHE_LIST_MIN_P } from '../domain/creator.js';
import type { Creator, NicheScore } from '../domain/creator.js';
import { stopWords } from '../providers/embeddings/stop-words.js';
import { evidenceScore, getNiche, nicheEvidence } from '../providers/llm/niche-lexicon.js';
import { textView } from '../providers/llm/text-features.js';
import type { TextView } from '../providers/llm/text-features.js';

/**
 * Creator niches inferred from the imported corpus itself, never from its labels.
 *
 * A semi-supervised multinomial naive Bayes (Nigam et al., "Text Classification from Labeled and
 * Unlabeled Documents using EM", 2000) over each creator's words and hashtags, in whatever language:
 *  1. seeds: the niche lexicon (names, related words, hashtag prefixes) gives a creator a soft label
 *     when its own text names a niche; the lexicon's other niches (art, sports, tech …) seed an
 *     `other` class so that not every creator is forced into one of the eight;
 *  2. a model is fitted to the seeded creators, then a few EM rounds label every creator with the
 *     model (seeded ones keep their seed as a prior) and refit on all of them, so words that
 *     co-occur with seeded niches ("Rezept", "맛집", "receta") become evidence of their own.
 * The model is small (vocabulary × classes log-probabilities) and stored beside the index, so
 * creators imported later get niches without retraining.
 */


const OTHER = 'other';
const CLASSES: readonly string[] = [...inferredNiches, OTHER];
/** lexicon niches that are not among the eight: evidence for `other` */
const OTHER_SEEDS = ['tech', 'gaming', 'music', 'sports', 'art', 'photography', 'business', 'automotive', 'books', 'comedy'];

export const MODEL_VERSION = 1;

export interface NicheModel {
  version: number;
  classes: string[];
  /** log prior per class */
  logPrior: number[];
  /** word → log P(word | class) per class */
  logLikelihood: Record<string, number[]>;
  /** log P(unseen word | class) is not used: unknown words carry no evidence */
  /** documents and vocabulary the model was fitted on */
  trainedOn: { creators: number; seeded: number; vocabulary: number; rounds: number };
}

export interface TrainOptions {
  /** EM rounds after the seeded fit (default 4) */
  rounds?: number;
  /** a word must occur in at least this many creators' texts to be a feature (default 3) */
  minDocs?: number;
  /** Laplace smoothing (default 0.1) */
  alpha?: number;
  /** weight of a creator without lexicon evidence against a seeded one in each refit (default 0.3) */
  unlabeledWeight?: number;
}

/** The words and seed evidence of one creator: what training and classification read. */
export interface NicheDoc {
  features: string[];
  /** seed strength per class (0 = no evidence), from the lexicon */
  seed: number[];
}

type CreatorText = Pick<Creator, 'displayName' | 'handle' | 'bio' | 'topics'>;

/** A creator's distinct words (folded, plurals stemmed; stop words and numbers dropped) and lexicon seeds. */
export function nicheDoc(c: CreatorText): NicheDoc {
  const text = [c.displayName ?? '', c.handle, c.topics.join(' '), c.bio].join('\n');
  const view = textView(text);
  const features: string[] = [];
  for (const t of view.tokens) {
    if (stopWords.has(t) || /^\d+$/.test(t) || t.length > 40) continue;
    features.push(t);
  }
  return { features, seed: seedScores(view) };
}

/** The lexicon's evidence score for one niche, as `detectNiches` weighs it (`evidenceScore`). */
function seedEvidence(view: TextView, id: string): number {
  const niche = getNiche(id);
  return niche ? evidenceScore(nicheEvidence(view, niche)) : 0;
}

/** Lexicon evidence per class; a class needs a named niche or two related words to count. */
function seedScores(view: TextView): number[] {
  const raw = CLASSES.map((c) =>
    c === OTHER ? Math.max(0, ...OTHER_SEEDS.map((o) => seedEvidence(view, o))) : seedEvidence(view, c),
  );
  return raw.map((s) => (s >= 2 ? s : 0));
}

/** Seed scores as a prior over classes; null when the lexicon says nothing. */
function seedPrior(seed: readonly number[]): number[] | null {
  const total = seed.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  // the evidence sharpens (squared) and every class keeps a little mass: the lexicon can be wrong
  const sq = seed.map((s) => s * s);
  const sum = sq.reduce((a, b) => a + b, 0);
  return sq.map((s) => 0.05 + (0.95 * s) / sum);
}

/**
 * Naive Bayes treats words as independent, which makes long texts absurdly confident. A text's
 * log-likelihood is scaled down to that of `EFFECTIVE_WORDS` words, so probabilities stay usable
 * as scores and filter thresholds.
 */
const EFFECTIVE_WORDS = 12;

/**
 * P(class | text) from the text's vocabulary words (indexes into `likelihood`, vocabulary index ×
 * class): their log-likelihoods summed and scaled to `EFFECTIVE_WORDS` words, the prior and the
 * lexicon's seed prior added. Training and classification both read the model through it.
 */
function posteriorOf(logPrior: readonly number[], likelihood: Float64Array, words: readonly number[], seed: readonly number[]): number[] {
  const k = logPrior.length;
  const ll = new Array<number>(k).fill(0);
  for (const w of words) for (let c = 0; c < k; c++) ll[c]! += likelihood[w * k + c]!;
  const scale = words.length > EFFECTIVE_WORDS ? EFFECTIVE_WORDS / words.length : 1;
  const prior = seedPrior(seed);
  const logp = ll.map((l, c) => logPrior[c]! + scale * l + (prior ? Math.log(prior[c]!) : 0));
  const max = Math.max(...logp);
  const exp = logp.map((l) => Math.exp(l - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

/**
 * A stored likelihood table as classification reads it: word → vocabulary index in a Map, rows in
 * one array. The stored form is a plain object keyed by tens of thousands of words: looking a word
 * up there also finds the members every object has ("constructor" would read as a row), and each
 * lookup by a word freshly cut out of a text first interns it. Built once per table.
 */
const compiled = new WeakMap<NicheModel['logLikelihood'], { index: Map<string, number>; likelihood: Float64Array }>();

function compile(table: NicheModel['logLikelihood']): { index: Map<string, number>; likelihood: Float64Array } {
  let c = compiled.get(table);
  if (!c) {
    const rows = Object.values(table);
    const k = rows[0]?.length ?? 0;
    const likelihood = new Float64Array(rows.length * k);
    rows.forEach((row, i) => likelihood.set(row, i * k));
    c = { index: new Map(Object.keys(table).map((w, i) => [w, i])), likelihood };
    compiled.set(table, c);
  }
  return c;
}

function posterior(model: Pick<NicheModel, 'logPrior' | 'logLikelihood'>, doc: NicheDoc): number[] {
  const { index, likelihood } = compile(model.logLikelihood);
  const words: number[] = [];
  for (const f of doc.features) {
    const i = index.get(f);
    if (i !== undefined) words.push(i);
  }
  return posteriorOf(model.logPrior, likelihood, words, doc.seed);
}

/** A model during training: log-likelihoods as one array, vocabulary index × class. */
interface Fitted {
  logPrior: number[];
  /** log P(vocab[i] | c) at i × k + c */
  logLikelihood: Float64Array;
}

/** Fits the model on a corpus: seeded fit, then `rounds` EM rounds over every creator. */
export function trainNicheModel(docs: readonly NicheDoc[], opts: TrainOptions = {}): NicheModel {
  const rounds = opts.rounds ?? 4;
  const minDocs = opts.minDocs ?? 3;
  const alpha = opts.alpha ?? 0.1;
  const unlabeledWeight = opts.unlabeledWeight ?? 0.3;
  const k = CLASSES.length;

  const df = new Map<string, number>();
  for (const d of docs) for (const f of d.features) df.set(f, (df.get(f) ?? 0) + 1);
  const maxDocs = Math.max(minDocs, Math.floor(docs.length * 0.3));
  const vocab = [...df.entries()].filter(([, n]) => n >= minDocs && n <= maxDocs).map(([w]) => w).sort();
  const index = new Map(vocab.map((w, i) => [w, i]));
  // each creator's vocabulary words as indexes, in text order: what every round reads
  const encoded = docs.map((d) => d.features.flatMap((f) => (index.has(f) ? [index.get(f)!] : [])));

  // Seeded creators keep their seed as their label; the others are labelled by the model each round
  // and count for `unlabeledWeight` of a seeded creator, so that the seeds anchor what each class
  // means and the unlabelled mass only teaches the words that go with them (EM-λ in Nigam et al.).
  const seeds = docs.map((d) => seedPrior(d.seed));
  const seeded = seeds.filter((r) => r !== null).length;
  let model = fit(seeds, encoded, vocab.length, k, alpha);
  for (let round = 0; round < rounds; round++) {
    const { logPrior, logLikelihood } = model;
    const resp = docs.map((d, i) => seeds[i] ?? posteriorOf(logPrior, logLikelihood, encoded[i]!, d.seed).map((p) => p * unlabeledWeight));
    model = fit(resp, encoded, vocab.length, k, alpha);
  }
  const logLikelihood: NicheModel['logLikelihood'] = {};
  vocab.forEach((w, i) => {
    logLikelihood[w] = Array.from(model.logLikelihood.subarray(i * k, (i + 1) * k));
  });
  return {
    version: MODEL_VERSION,
    classes: [...CLASSES],
    logPrior: model.logPrior,
    logLikelihood,
    trainedOn: { creators: docs.length, seeded, vocabulary: vocab.length, rounds },
  };
}

function fit(resp: readonly (number[] | null)[], encoded: readonly number[][], v: number, k: number, alpha: number): Fitted {
  const counts = Array.from({ length: k }, () => new Float64Array(v));
  const totals = new Float64Array(k);
  const mass = new Float64Array(k);
  resp.forEach((r, d) => {
    if (!r) return;
    const words = encoded[d]!;
    for (let c = 0; c < k; c++) {
      const w = r[c]!;
      if (w < 1e-4) continue;
      mass[c]! += w;
      const row = counts[c]!;
      for (const i of words) row[i]! += w;
      totals[c]! += w * words.length;
    }
  });
  const massSum = mass.reduce((a, b) => a + b, 0);
  const logPrior = Array.from(mass, (m) => Math.log((m + 1) / (massSum + k)));
  const denom = Array.from(totals, (t) => Math.log(t + alpha * v));
  const logLikelihood = new Float64Array(v * k);
  for (let i = 0; i < v; i++) for (let c = 0; c < k; c++) logLikelihood[i * k + c] = round4(Math.log(counts[c]![i]! + alpha) - denom[c]!);
  return { logPrior, logLikelihood };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Probability per inferred niche (the `other` class left out, so they sum to at most 1), highest first. */
export function classifyNiches(model: NicheModel, c: CreatorText): NicheScore[] {
  return nicheScores(model, nicheDoc(c));
}

export function nicheScores(model: NicheModel, doc: NicheDoc): NicheScore[] {
  const p = posterior(model, doc);
  return model.classes
    .map((niche, i) => ({ niche, p: Math.round(p[i]! * 1000) / 1000 }))
    .filter((s) => s.niche !== OTHER)
    .sort((a, b) => b.p - a.p || a.niche.localeCompare(b.niche));
}

/** What is kept on a creator: the niches with some probability, highest first. */
export function significantNiches(scores: readonly NicheScore[]): NicheScore[] {
  return scores.filter((s) => s.p >= NICHE_LIST_MIN_P);
}

/** A stored model, checked: null when it is not one this code can apply. */
export function parseNicheModel(json: unknown): NicheModel | null {
  const m = json as Partial<NicheModel> | null;
  if (!m || m.version !== MODEL_VERSION || !Array.isArray(m.classes) || !Array.isArray(m.logPrior)) return null;
  if (m.classes.join(',') !== CLASSES.join(',') || typeof m.logLikelihood !== 'object' || m.logLikelihood === null) return null;
  return m as NicheModel;
}
