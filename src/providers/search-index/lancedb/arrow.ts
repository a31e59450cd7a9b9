import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';
import { inferredNiches } from '../../../domain/creator.js';
import type { Creator, CreatorKey, NicheScore, ObservedAtBasis, Platform } from '../../../domain/creator.js';
import { nicheScoreList } from '../niche-columns.js';

/**
 * LanceDB is CommonJS and checks schemas against its own copy of apache-arrow; an ESM import would
 * load a second copy and table creation fails with "schemas must be equivalent". So we load the
 * same CommonJS module it does.
 */
const require = createRequire(import.meta.url);
export const arrow = require('apache-arrow') as typeof Arrow;

export const TABLE_NAME = 'creators';
/** schema metadata keys: which embedder built the vectors */
export const META_EMBEDDER = 'scout.embedder';
export const META_DIMENSION = 'scout.dimension';
export const META_SCHEMA_VERSION = 'scout.schema_version';
export const SCHEMA_VERSION = '4';

/** one nullable probability column per inferred niche (schema version 2); null = not classified */
export const nicheColumn = (niche: string) => `niche_${niche}`;
export const nicheColumns = inferredNiches.map(nicheColumn);

/** every column except the vector: what searches read back */
export const creatorColumns = [
  'key',
  'platform',
  'handle',
  'display_name',
  'bio',
  'categories',
  'topics',
  'followers',
  'following',
  'posts_count',
  'engagement_rate',
  'country',
  'language',
  'verified',
  'profile_url',
  'source',
  'updated_at',
  'observed_at',
  'observed_at_basis',
  ...nicheColumns,
] as const;

/**
 * The whole creator as one JSON string (schema version 4), exactly what `fromArrowTable` reads
 * from the separate columns. Reading ~28 columns for a few scattered rows costs about 0.2 ms per
 * column (one random read each), most of a small search; one column makes the read back of the
 * winners a single read, cheap enough to do inside both search legs. The separate columns stay:
 * filters, scalar indexes and statistics use them. Null on rows written before version 4.
 */
export const PAYLOAD_COLUMN = 'payload';

/**
 * Columns added after schema version 2, with the SQL that fills them on an older table (see
 * `upgradeTable`): such a table's creators were observed, as far as it knows, when written; their
 * payload stays null until they are written again, and reads fall back to the columns.
 */
export const addedColumns = [
  { name: 'observed_at', valueSql: 'updated_at' },
  { name: 'observed_at_basis', valueSql: "'import'" },
  { name: PAYLOAD_COLUMN, valueSql: 'CAST(NULL AS STRING)' },
] as const;

/** The creator columns a table has: tables built before schema version 2 lack the niche columns. */
export function creatorColumnsOf(schema: Arrow.Schema): string[] {
  const names = new Set(schema.fields.map((f) => f.name));
  return creatorColumns.filter((c) => names.has(c));
}

export function creatorSchema(dimension: number, embedderId: string): Arrow.Schema {
  const { Field, Schema, Utf8, Int64, Float64, Bool, List, FixedSizeList, Float32 } = arrow;
  const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
  const int = (name: string) => new Field(name, new Int64(), true);
  const strings = (name: string) => new Field(name, new List(new Field('item', new Utf8(), true)), false);
  return new Schema(
    [
      text('key'),
      text('platform'),
      text('handle'),
      text('display_name', true),
      text('bio'),
      strings('categories'),
      strings('topics'),
      int('followers'),
      int('following'),
      int('posts_count'),
      new Field('engagement_rate', new Float64(), true),
      text('country', true),
      text('language', true),
      new Field('verified', new Bool(), false),
      text('profile_url'),
      text('source'),
      text('updated_at'),
      text('observed_at', true),
      text('observed_at_basis', true),
      text('doc'),
      text(PAYLOAD_COLUMN, true),
      ...nicheColumns.map((name) => new Field(name, new Float64(), true)),
      new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
    ],
    new Map([
      [META_EMBEDDER, embedderId],
      [META_DIMENSION, String(dimension)],
      [META_SCHEMA_VERSION, SCHEMA_VERSION],
    ]),
  );
}

export interface Row {
  creator: Creator;
  doc: string;
  vector: ArrayLike<number>;
}

/** One Arrow table (a single record batch) with exactly `schema`, built column by column. */
export function toArrowTable(schema: Arrow.Schema, rows: Row[]): Arrow.Table {
  const vectorField = schema.fields.find((f) => f.name === 'vector')!;
  const dimension = (vectorField.type as Arrow.FixedSizeList).listSize;
  const n = rows.length;
  const flat = new Float32Array(n * dimension);
  rows.forEach((r, i) => {
    if (r.vector.length !== dimension) {
      throw new RangeError(`vector of ${r.creator.key} has ${r.vector.length} dimensions, the index has ${dimension}`);
    }
    flat.set(r.vector, i * dimension);
  });
  const int = (v: number | null) => (v === null || !Number.isFinite(v) ? null : BigInt(Math.round(v)));
  const values: Record<string, unknown[]> = {
    key: rows.map((r) => r.creator.key),
    platform: rows.map((r) => r.creator.platform),
    handle: rows.map((r) => r.creator.handle),
    display_name: rows.map((r) => r.creator.displayName),
    bio: rows.map((r) => r.creator.bio),
    categories: rows.map((r) => r.creator.categories),
    topics: rows.map((r) => r.creator.topics),
    followers: rows.map((r) => int(r.creator.followers)),
    following: rows.map((r) => int(r.creator.following)),
    posts_count: rows.map((r) => int(r.creator.postsCount)),
    engagement_rate: rows.map((r) => finiteOrNull(r.creator.engagementRate)),
    country: rows.map((r) => r.creator.country),
    language: rows.map((r) => r.creator.language),
    verified: rows.map((r) => r.creator.verified),
    profile_url: rows.map((r) => r.creator.profileUrl),
    source: rows.map((r) => r.creator.source),
    updated_at: rows.map((r) => r.creator.updatedAt),
    observed_at: rows.map((r) => r.creator.observedAt),
    observed_at_basis: rows.map((r) => r.creator.observedAtBasis),
    doc: rows.map((r) => r.doc),
    [PAYLOAD_COLUMN]: rows.map((r) => JSON.stringify(stored(r.creator))),
  };
  for (const niche of inferredNiches) {
    values[nicheColumn(niche)] = rows.map((r) => nicheP(r.creator.niches, niche));
  }
  const children = schema.fields.map((field) => {
    if (field.name === 'vector') {
      const child = arrow.makeData({ type: new arrow.Float32(), length: n * dimension, data: flat });
      return arrow.makeData({ type: field.type as Arrow.FixedSizeList, length: n, nullCount: 0, child });
    }
    return column(field.type as Arrow.DataType, values[field.name]!);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

/**
 * The creator as the columns keep it (and `fromArrowTable` returns it): counts rounded to integers,
 * non-finite numbers as null, niches as the per-niche values give them back.
 */
function stored(c: Creator): Creator {
  const int = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v));
  const out: Creator = {
    key: c.key,
    platform: c.platform,
    handle: c.handle,
    displayName: c.displayName ?? null,
    bio: c.bio,
    categories: [...c.categories],
    topics: [...c.topics],
    followers: int(c.followers),
    following: int(c.following),
    postsCount: int(c.postsCount),
    engagementRate: finiteOrNull(c.engagementRate),
    country: c.country ?? null,
    language: c.language ?? null,
    verified: Boolean(c.verified),
    profileUrl: c.profileUrl,
    source: c.source,
    updatedAt: c.updatedAt,
    observedAt: c.observedAt ?? c.updatedAt,
    observedAtBasis: c.observedAtBasis ?? 'import',
  };
  const niches = nicheScoreList(inferredNiches.map((niche) => ({ niche, p: nicheP(c.niches, niche) })));
  if (niches) out.niches = niches;
  return out;
}

/** A creator from its payload column; null when the row predates the column. */
export function fromPayload(payload: string | null | undefined): Creator | null {
  return payload ? (JSON.parse(payload) as Creator) : null;
}

function column(type: Arrow.DataType, values: unknown[]): Arrow.Data {
  if (arrow.DataType.isUtf8(type)) return utf8Column(type, values as (string | null | undefined)[]);
  const builder = arrow.makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) builder.append(v);
  return builder.finish().flush();
}

/**
 * A string column written straight into one buffer: what Arrow's builder makes (same offsets,
 * bytes and validity), without its per-string encoding into a fresh array and copy. A bulk import
 * writes three long strings per creator (bio, document, payload); through the builder they were
 * about a fifth of the importing thread's time.
 */
export function utf8Column(type: Arrow.Utf8, values: readonly (string | null | undefined)[]): Arrow.Data<Arrow.Utf8> {
  const n = values.length;
  let size = 0;
  for (const v of values) if (v !== null && v !== undefined) size += Buffer.byteLength(v, 'utf8');
  // never from Node's shared pool: the column keeps this memory as its own
  const data = Buffer.allocUnsafeSlow(size);
  const valueOffsets = new Int32Array(n + 1);
  let nullCount = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nullCount++;
    else at += data.write(v, at, 'utf8');
    valueOffsets[i + 1] = at;
  }
  let nullBitmap: Uint8Array | undefined;
  if (nullCount > 0) {
    nullBitmap = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (values[i] !== null && values[i] !== undefined) nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return arrow.makeData({ type, length: n, nullCount, valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, at), ...(nullBitmap ? { nullBitmap } : {}) });
}

/** A creator's probability for one niche; null when it was never classified. */
function nicheP(niches: readonly NicheScore[] | undefined, niche: string): number | null {
  if (niches === undefined) return null;
  return niches.find((s) => s.niche === niche)?.p ?? 0;
}

function finiteOrNull(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : v;
}

/** Creators out of a query result (any subset of rows, with at least the creator columns). */
export function fromArrowTable(table: Arrow.Table): Creator[] {
  if (table.numRows === 0) return [];
  const col = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new Error(`index result lacks column ${name}`);
    return c;
  };
  const [key, platform, handle, displayName, bio, categories, topics] = [
    col('key'), col('platform'), col('handle'), col('display_name'), col('bio'), col('categories'), col('topics'),
  ];
  const [followers, following, postsCount, er, country, language, verified, url, source, updatedAt] = [
    col('followers'), col('following'), col('posts_count'), col('engagement_rate'), col('country'),
    col('language'), col('verified'), col('profile_url'), col('source'), col('updated_at'),
  ];
  const observedAt = table.getChild('observed_at');
  const observedBasis = table.getChild('observed_at_basis');
  const nicheCols = inferredNiches.flatMap((n) => {
    const c = table.getChild(nicheColumn(n));
    return c ? [{ niche: n, col: c }] : [];
  });
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const list = (v: unknown): string[] => (v ? ((v as Arrow.Vector).toArray() as string[]) : []);
  const out: Creator[] = [];
  for (let i = 0; i < table.numRows; i++) {
    out.push({
      key: key.get(i) as CreatorKey,
      platform: platform.get(i) as Platform,
      handle: handle.get(i) as string,
      displayName: (displayName.get(i) as string | null) ?? null,
      bio: bio.get(i) as string,
      categories: list(categories.get(i)),
      topics: list(topics.get(i)),
      followers: num(followers.get(i)),
      following: num(following.get(i)),
      postsCount: num(postsCount.get(i)),
      engagementRate: num(er.get(i)),
      country: (country.get(i) as string | null) ?? null,
      language: (language.get(i) as string | null) ?? null,
      verified: Boolean(verified.get(i)),
      profileUrl: url.get(i) as string,
      source: source.get(i) as string,
      updatedAt: updatedAt.get(i) as string,
      observedAt: (observedAt?.get(i) as string | null) ?? (updatedAt.get(i) as string),
      observedAtBasis: ((observedBasis?.get(i) as string | null) ?? 'import') as ObservedAtBasis,
    });
    const niches = nicheScoreList(nicheCols.map(({ niche, col }) => ({ niche, p: num(col.get(i)) })));
    if (niches) out[out.length - 1]!.niches = niches;
  }
  return out;
}
