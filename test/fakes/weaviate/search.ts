import type { Hybrid, Properties, SearchRequest, SearchResult, Value } from './proto.js';
import { baseProto, baseSearchProto } from './proto.js';
import type { FakeCollection, PropValue, StoredObject } from './store.js';
import { baseType } from './store.js';
import { bm25, parseQueryProperties } from './bm25.js';
import type { Bm25Options } from './bm25.js';
import { compileFilter } from './filters.js';
import { cosineDistance, float64sToBytes, int64sToBytes, singleVector, vectorFromBytes, vectorToBytes } from './vectors.js';
import { invalid } from './errors.js';

/** Weaviate's QUERY_DEFAULTS_LIMIT */
const DEFAULT_LIMIT = 10;
/** Ranked fusion's k, as in Weaviate (score = weight / (k + rank), rank from 0) */
const RRF_K = 60;
/** relativeScore fusion searches each leg at least this deep before trimming */
const RELATIVE_SCORE_DEPTH = 100;

interface Hit {
  object: StoredObject;
  score?: number;
  distance?: number;
  explain?: string;
}

export function search(c: FakeCollection, req: SearchRequest): SearchResult[] {
  if (req.groupBy) throw invalid('groupBy is not supported by this fake');
  if (req.rerank || req.generative) throw invalid('no reranker / generative module is enabled');
  const limit = req.limit > 0 ? req.limit : DEFAULT_LIMIT;
  const filter = req.filters ? compileFilter(c, req.filters) : () => true;
  const candidates = [...c.objects.values()].filter(filter);
  const depth = limit + req.offset;

  let hits: Hit[];
  if (req.hybridSearch) hits = hybrid(c, candidates, req.hybridSearch, depth);
  else if (req.bm25Search) {
    const props = parseQueryProperties(c.schema, req.bm25Search.properties);
    hits = ranked(bm25(c, candidates, req.bm25Search.query, props, bm25Operator(req.bm25Search.searchOperator)), c);
  } else if (req.nearVector) {
    const v = firstVector(req.nearVector) ?? failNoVector(c, 'nearVector');
    hits = vectorLeg(c, candidates, v, targetName(c, req.nearVector.targets?.targetVectors ?? req.nearVector.targetVectors), req.nearVector.distance);
  } else if (req.nearText || req.nearObject || req.nearImage || req.nearAudio || req.nearVideo || req.nearDepth || req.nearThermal || req.nearImu) {
    throw invalid(`near<Media> search needs a vectorizer module; class ${c.name} has none`);
  } else {
    hits = candidates.sort((a, b) => a.id.localeCompare(b.id)).map((object) => ({ object }));
    if (req.after) hits = hits.filter((h) => h.object.id > req.after);
  }
  return hits.slice(req.offset, req.offset + limit).map((h) => toResult(c, h, req));
}

function bm25Operator(op: { operator: number; minimumOrTokensMatch?: number } | undefined): Bm25Options {
  if (op?.operator === baseSearchProto.SearchOperatorOptions_Operator.OPERATOR_AND) return { operator: 'and' };
  return { operator: 'or', minimumMatch: op?.minimumOrTokensMatch };
}

function ranked(scores: Map<string, number>, c: FakeCollection): Hit[] {
  return [...scores.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([id, score]) => ({ object: c.objects.get(id)!, score, explain: `, BM25F_score:${score}` }));
}

function firstVector(src: {
  vectors: { type: number; vectorBytes: Uint8Array; name: string; index: number }[];
  vectorBytes: Uint8Array;
  vector: number[];
  vectorForTargets?: { vectorBytes: Uint8Array; vectors: { type: number; vectorBytes: Uint8Array; name: string; index: number }[] }[];
}): number[] | null {
  if (src.vectors.length > 0) return singleVector(src.vectors[0]!);
  if (src.vectorBytes.length > 0) return vectorFromBytes(src.vectorBytes);
  if (src.vector.length > 0) return src.vector;
  const vt = src.vectorForTargets?.[0];
  if (vt) return vt.vectors.length > 0 ? singleVector(vt.vectors[0]!) : vectorFromBytes(vt.vectorBytes);
  return null;
}

function failNoVector(c: FakeCollection, what: string): never {
  throw invalid(`${what}: VectorFromInput was called without vectorizer on class ${c.name}: provide a vector`);
}

function targetName(c: FakeCollection, requested: string[]): string {
  const names = c.vectorNames();
  if (requested.length > 1) throw invalid('multi-target vector search is not supported by this fake');
  const name = requested[0] ?? (names.length === 1 ? names[0]! : undefined);
  if (name === undefined) throw invalid(`class ${c.name} has multiple vectors: specify a target vector`);
  if (!names.includes(name)) throw invalid(`class ${c.name} does not have a vector named "${name}"`);
  return name;
}

function vectorLeg(c: FakeCollection, candidates: StoredObject[], v: number[], target: string, maxDistance?: number): Hit[] {
  const dim = c.dimensions.get(target);
  if (dim !== undefined && dim !== v.length) {
    throw invalid(`vector search: knn search: distance between entrypoint and query node: vector lengths don't match: ${dim} vs ${v.length}`);
  }
  return candidates
    .filter((o) => o.vectors[target] !== undefined)
    .map((object) => ({ object, distance: cosineDistance(object.vectors[target]!, v) }))
    .filter((h) => maxDistance === undefined || h.distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance || a.object.id.localeCompare(b.object.id));
}

/**
 * Hybrid search: a BM25F leg and a vector leg, each pre-filtered, fused by ranked fusion
 * (Σ weight / (60 + rank)) or relative-score fusion (min-max normalised scores, weighted).
 * alpha is the vector leg's weight; a leg with weight 0 is not searched at all.
 */
function hybrid(c: FakeCollection, candidates: StoredObject[], h: Hybrid, depth: number): Hit[] {
  if (h.alpha < 0 || h.alpha > 1) throw invalid(`alpha must be between 0 and 1, got ${h.alpha}`);
  if (h.nearText) throw invalid(`hybrid nearText needs a vectorizer module; class ${c.name} has none`);
  const relative = h.fusionType !== baseSearchProto.Hybrid_FusionType.FUSION_TYPE_RANKED;
  const legDepth = relative ? Math.max(depth, RELATIVE_SCORE_DEPTH) : depth;
  const legs: { name: 'keyword' | 'vector'; weight: number; hits: Hit[]; score: (x: Hit) => number }[] = [];

  if (h.alpha < 1) {
    const props = parseQueryProperties(c.schema, h.properties);
    const scores = bm25(c, candidates, h.query, props, bm25Operator(h.bm25SearchOperator));
    legs.push({ name: 'keyword', weight: 1 - h.alpha, hits: ranked(scores, c).slice(0, legDepth), score: (x) => x.score! });
  }
  if (h.alpha > 0) {
    const v = firstVector(h) ?? (h.nearVector ? firstVector(h.nearVector) : null) ?? failNoVector(c, 'hybrid');
    const target = targetName(c, h.targets?.targetVectors ?? h.targetVectors ?? h.nearVector?.targetVectors ?? []);
    const hits = vectorLeg(c, candidates, v, target, h.vectorDistance).slice(0, legDepth);
    legs.push({ name: 'vector', weight: h.alpha, hits, score: (x) => 1 - x.distance! });
  }

  const fused = new Map<string, Hit & { score: number }>();
  for (const leg of legs) {
    const values = leg.hits.map(leg.score);
    const max = Math.max(...values);
    const min = Math.min(...values);
    leg.hits.forEach((hit, rank) => {
      const part = relative
        ? leg.weight * (max === min ? 1 : (leg.score(hit) - min) / (max - min))
        : leg.weight / (RRF_K + rank);
      const prev = fused.get(hit.object.id);
      const line = `(hybrid) Document ${hit.object.id} contributed ${part} to the score (${leg.name}, rank ${rank})`;
      if (prev) {
        prev.score += part;
        prev.explain = `${prev.explain}\n${line}`;
        if (hit.distance !== undefined) prev.distance = hit.distance;
      } else fused.set(hit.object.id, { object: hit.object, score: part, distance: hit.distance, explain: line });
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.object.id.localeCompare(b.object.id));
}

function toResult(c: FakeCollection, hit: Hit, req: SearchRequest): SearchResult {
  const m = req.metadata;
  const names = req.properties === undefined || req.properties.returnAllNonrefProperties
    ? c.schema.properties.map((p) => p.name)
    : req.properties.nonRefProperties;
  const wantVectors = m?.vector ? c.vectorNames() : (m?.vectors ?? []);
  return {
    properties: {
      nonRefProps: encodeProperties(c, hit.object, names),
      refProps: [],
      refPropsRequested: false,
      targetCollection: c.name,
      metadata: undefined,
    },
    metadata: {
      id: hit.object.id,
      vector: [],
      vectorBytes: new Uint8Array(),
      idAsBytes: new Uint8Array(),
      vectors: wantVectors
        .filter((n) => hit.object.vectors[n] !== undefined)
        .map((name) => ({
          name,
          index: 0,
          type: baseProto.Vectors_VectorType.VECTOR_TYPE_SINGLE_FP32,
          vectorBytes: vectorToBytes(hit.object.vectors[name]!),
        })),
      score: hit.score ?? 0,
      scorePresent: m?.score === true && hit.score !== undefined,
      explainScore: hit.explain ?? '',
      explainScorePresent: m?.explainScore === true && hit.explain !== undefined,
      distance: hit.distance ?? 0,
      distancePresent: m?.distance === true && hit.distance !== undefined,
      certainty: hit.distance === undefined ? 0 : 1 - hit.distance / 2,
      certaintyPresent: m?.certainty === true && hit.distance !== undefined,
      creationTimeUnix: hit.object.createdAt,
      creationTimeUnixPresent: m?.creationTimeUnix === true,
      lastUpdateTimeUnix: hit.object.updatedAt,
      lastUpdateTimeUnixPresent: m?.lastUpdateTimeUnix === true,
      isConsistent: m?.isConsistent ? true : undefined,
      isConsistentPresent: m?.isConsistent === true,
      generative: '',
      generativePresent: false,
      rerankScore: 0,
      rerankScorePresent: false,
    },
  };
}

export function encodeProperties(c: FakeCollection, o: StoredObject, names: string[]): Properties {
  const fields: Record<string, Value> = {};
  for (const name of names) {
    const value = o.properties[name];
    const prop = c.property(name);
    if (value === undefined || !prop) continue;
    fields[name] = encodeValue(prop.dataType[0]!, value);
  }
  return { fields };
}

function encodeValue(dataType: string, v: PropValue): Value {
  const base = baseType(dataType);
  if (Array.isArray(v)) {
    switch (base) {
      case 'int':
        return { listValue: { intValues: { values: int64sToBytes(v as number[]) } } };
      case 'number':
        return { listValue: { numberValues: { values: float64sToBytes(v as number[]) } } };
      case 'boolean':
        return { listValue: { boolValues: { values: v as boolean[] } } };
      case 'date':
        return { listValue: { dateValues: { values: v as string[] } } };
      case 'uuid':
        return { listValue: { uuidValues: { values: v as string[] } } };
      default:
        return { listValue: { textValues: { values: v as string[] } } };
    }
  }
  switch (base) {
    case 'int':
      return { intValue: v as number };
    case 'number':
      return { numberValue: v as number };
    case 'boolean':
      return { boolValue: v as boolean };
    case 'date':
      return { dateValue: v as string };
    case 'uuid':
      return { uuidValue: v as string };
    default:
      return { textValue: v as string };
  }
}
