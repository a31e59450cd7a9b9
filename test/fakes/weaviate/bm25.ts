import type { ClassSchema, FakeCollection, PropValue, StoredObject } from './store.js';
import { baseType } from './store.js';
import { invalid } from './errors.js';

/** Weaviate's `en` stopword preset (the part that matters for queries). */
const EN_STOPWORDS = new Set(
  ('a an and are as at be but by for if in into is it no not of on or such that the their then there these they ' +
    'this to was will with').split(' '),
);

export function tokenize(text: string, tokenization = 'word'): string[] {
  switch (tokenization) {
    case 'field':
      return text.trim() === '' ? [] : [text.trim()];
    case 'whitespace':
      return text.split(/\s+/).filter(Boolean);
    case 'lowercase':
      return text.toLowerCase().split(/\s+/).filter(Boolean);
    default:
      return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }
}

export function valueTokens(value: PropValue | undefined, tokenization: string | undefined): string[] {
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value : [value];
  return parts.flatMap((p) => (typeof p === 'string' ? tokenize(p, tokenization) : []));
}

export interface WeightedProperty {
  name: string;
  weight: number;
}

/** `["doc^2", "bio"]` → names and boosts; empty means every searchable text property. */
export function parseQueryProperties(schema: ClassSchema, requested: string[]): WeightedProperty[] {
  const searchable = schema.properties.filter((p) => baseType(p.dataType[0]!) === 'text' && p.indexSearchable);
  if (requested.length === 0) return searchable.map((p) => ({ name: p.name, weight: 1 }));
  return requested.map((r) => {
    const [name, boost] = r.split('^');
    const prop = schema.properties.find((p) => p.name === name);
    if (!prop) throw invalid(`no such prop with name '${name}' found in class '${schema.class}' in the schema`);
    if (!searchable.includes(prop)) {
      throw invalid(`property '${name}' is not searchable: set indexSearchable to true to use it in bm25 / hybrid`);
    }
    const weight = boost === undefined ? 1 : Number(boost);
    if (!Number.isFinite(weight) || weight <= 0) throw invalid(`invalid boost in query property '${r}'`);
    return { name: name!, weight };
  });
}

export interface Bm25Options {
  operator: 'or' | 'and';
  /** minimum number of query tokens that must match with `or` */
  minimumMatch?: number;
}

/**
 * BM25F over the requested properties, as Weaviate scores keyword search: per-property length
 * normalisation (b) and boosts, term saturation (k1) on the combined frequency, IDF over the whole
 * collection. Returns only objects with a positive score, best first.
 */
export function bm25(
  collection: FakeCollection,
  candidates: StoredObject[],
  query: string,
  props: WeightedProperty[],
  opts: Bm25Options = { operator: 'or' },
): Map<string, number> {
  const { b, k1 } = collection.schema.invertedIndexConfig.bm25;
  const stop = collection.schema.invertedIndexConfig.stopwords.preset === 'en' ? EN_STOPWORDS : new Set<string>();
  const tokenization = (name: string) => collection.property(name)?.tokenization;
  const queryTerms = [
    ...new Set(props.flatMap((p) => tokenize(query, tokenization(p.name))).filter((t) => !stop.has(t))),
  ];
  const scores = new Map<string, number>();
  if (queryTerms.length === 0 || props.length === 0) return scores;

  const all = [...collection.objects.values()];
  const tokensOf = new Map<StoredObject, Map<string, string[]>>();
  const avgLen = new Map<string, number>();
  for (const p of props) {
    let total = 0;
    for (const o of all) {
      const toks = valueTokens(o.properties[p.name], tokenization(p.name));
      total += toks.length;
      let m = tokensOf.get(o);
      if (!m) tokensOf.set(o, (m = new Map()));
      m.set(p.name, toks);
    }
    avgLen.set(p.name, all.length === 0 ? 0 : total / all.length);
  }
  const docFreq = new Map<string, number>();
  for (const t of queryTerms) {
    let n = 0;
    for (const o of all) if (props.some((p) => tokensOf.get(o)!.get(p.name)!.includes(t))) n++;
    docFreq.set(t, n);
  }

  for (const o of candidates) {
    const perProp = tokensOf.get(o);
    if (!perProp) continue;
    let score = 0;
    let matched = 0;
    for (const t of queryTerms) {
      let tf = 0;
      for (const p of props) {
        const toks = perProp.get(p.name)!;
        const f = toks.filter((x) => x === t).length;
        if (f === 0) continue;
        const norm = 1 - b + (b * toks.length) / Math.max(avgLen.get(p.name)!, 1e-9);
        tf += (p.weight * f) / norm;
      }
      if (tf === 0) continue;
      matched++;
      const n = docFreq.get(t)!;
      const idf = Math.log(1 + (all.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (k1 + 1)) / (tf + k1);
    }
    if (opts.operator === 'and' && matched < queryTerms.length) continue;
    if (opts.operator === 'or' && opts.minimumMatch !== undefined && matched < opts.minimumMatch) continue;
    if (score > 0) scores.set(o.id, score);
  }
  return scores;
}
