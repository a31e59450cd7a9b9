import { invalid, notFound } from './errors.js';

/**
 * In-memory collections and objects of the fake Weaviate. Schema handling follows the server:
 * names are validated, every default the server fills in is filled in (the official client's
 * `config.get()` refuses a schema without them), and objects are type-checked against it.
 */

export type PropValue = string | number | boolean | string[] | number[] | boolean[];

export interface PropertySchema {
  name: string;
  dataType: string[];
  description?: string;
  tokenization?: string;
  indexFilterable?: boolean;
  indexSearchable?: boolean;
  indexRangeFilters?: boolean;
  [key: string]: unknown;
}

export interface VectorConfig {
  vectorizer: Record<string, unknown>;
  vectorIndexType?: string;
  vectorIndexConfig?: Record<string, unknown>;
}

export interface ClassSchema {
  class: string;
  description?: string;
  properties: PropertySchema[];
  vectorConfig?: Record<string, VectorConfig>;
  vectorizer?: string;
  vectorIndexType?: string;
  vectorIndexConfig?: Record<string, unknown>;
  invertedIndexConfig: {
    bm25: { b: number; k1: number };
    indexNullState: boolean;
    stopwords: { preset: string; additions: string[] | null; removals: string[] | null };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface StoredObject {
  id: string;
  properties: Record<string, PropValue>;
  /** vector per vector name; `default` for a collection without named vectors */
  vectors: Record<string, number[]>;
  createdAt: number;
  updatedAt: number;
}

const scalarTypes = new Set(['text', 'int', 'number', 'boolean', 'date', 'uuid']);
const classNameRe = /^[A-Z][_0-9A-Za-z]*$/;
const propNameRe = /^[_A-Za-z][_0-9A-Za-z]{0,230}$/;
const rfc3339Re = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const LEGACY_VECTOR = 'default';

const hnswDefaults = {
  skip: false,
  cleanupIntervalSeconds: 300,
  maxConnections: 32,
  efConstruction: 128,
  ef: -1,
  dynamicEfMin: 100,
  dynamicEfMax: 500,
  dynamicEfFactor: 8,
  vectorCacheMaxObjects: 1_000_000_000_000,
  flatSearchCutoff: 40_000,
  distance: 'cosine',
  filterStrategy: 'sweeping',
  pq: { enabled: false, bitCompression: false, segments: 0, centroids: 256, trainingLimit: 100_000, encoder: { type: 'kmeans', distribution: 'log-normal' } },
  bq: { enabled: false },
  sq: { enabled: false, trainingLimit: 100_000, rescoreLimit: 20 },
  rq: { enabled: false, bits: 8, rescoreLimit: 20 },
  multivector: { enabled: false, aggregation: 'maxSim', muvera: { enabled: false } },
};

export function baseType(dataType: string): string {
  return dataType.endsWith('[]') ? dataType.slice(0, -2) : dataType;
}

/** The schema as the server stores and returns it: every default filled in. */
export function withServerDefaults(input: Record<string, unknown>): ClassSchema {
  const name = typeof input.class === 'string' ? capitalize(input.class) : '';
  if (!classNameRe.test(name)) throw invalid(`'${String(input.class)}' is not a valid class name`);
  const props = Array.isArray(input.properties) ? (input.properties as PropertySchema[]) : [];
  const seen = new Set<string>();
  const properties = props.map((p) => {
    if (!propNameRe.test(p.name ?? '')) throw invalid(`'${String(p.name)}' is not a valid property name`);
    if (seen.has(p.name.toLowerCase())) throw invalid(`class "${name}" has the property "${p.name}" twice`);
    seen.add(p.name.toLowerCase());
    const dt = p.dataType?.[0];
    if (dt === undefined || !scalarTypes.has(baseType(dt))) {
      throw invalid(`property '${p.name}': invalid dataType: reference or unsupported type '${String(dt)}'`);
    }
    const textual = baseType(dt) === 'text';
    return {
      ...p,
      dataType: [dt],
      tokenization: textual ? (p.tokenization ?? 'word') : undefined,
      indexFilterable: p.indexFilterable ?? true,
      indexSearchable: textual ? (p.indexSearchable ?? true) : false,
      indexRangeFilters: p.indexRangeFilters ?? false,
    };
  });
  const inverted = (input.invertedIndexConfig ?? {}) as Record<string, unknown>;
  const schema: ClassSchema = {
    ...input,
    class: name,
    description: typeof input.description === 'string' ? input.description : undefined,
    properties,
    invertedIndexConfig: {
      cleanupIntervalSeconds: 60,
      indexTimestamps: false,
      indexPropertyLength: false,
      usingBlockMaxWAND: true,
      ...inverted,
      bm25: { b: 0.75, k1: 1.2, ...(inverted.bm25 as object | undefined) },
      indexNullState: inverted.indexNullState === true,
      stopwords: { preset: 'en', additions: null, removals: null, ...(inverted.stopwords as object | undefined) },
    },
    moduleConfig: input.moduleConfig ?? {},
    multiTenancyConfig: { enabled: false, autoTenantCreation: false, autoTenantActivation: false },
    replicationConfig: { factor: 1, asyncEnabled: false, deletionStrategy: 'NoAutomatedResolution' },
    shardingConfig: {
      virtualPerPhysical: 128,
      desiredCount: 1,
      actualCount: 1,
      desiredVirtualCount: 128,
      actualVirtualCount: 128,
      key: '_id',
      strategy: 'hash',
      function: 'murmur3',
    },
  };
  if (input.vectorConfig && typeof input.vectorConfig === 'object') {
    const named: Record<string, VectorConfig> = {};
    for (const [k, v] of Object.entries(input.vectorConfig as Record<string, VectorConfig>)) {
      named[k] = {
        vectorizer: v.vectorizer ?? { none: {} },
        vectorIndexType: v.vectorIndexType ?? 'hnsw',
        vectorIndexConfig: { ...hnswDefaults, ...(v.vectorIndexConfig ?? {}) },
      };
    }
    schema.vectorConfig = named;
    delete schema.vectorizer;
  } else {
    schema.vectorizer = typeof input.vectorizer === 'string' ? input.vectorizer : 'none';
    schema.vectorIndexType = typeof input.vectorIndexType === 'string' ? input.vectorIndexType : 'hnsw';
    schema.vectorIndexConfig = { ...hnswDefaults, ...((input.vectorIndexConfig as object | undefined) ?? {}) };
  }
  return schema;
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

export class FakeCollection {
  readonly objects = new Map<string, StoredObject>();
  /** dimension per vector name, fixed by the first vector stored (as HNSW does) */
  readonly dimensions = new Map<string, number>();

  constructor(public schema: ClassSchema) {}

  get name(): string {
    return this.schema.class;
  }

  property(name: string): PropertySchema | undefined {
    return this.schema.properties.find((p) => p.name === name);
  }

  vectorNames(): string[] {
    return this.schema.vectorConfig ? Object.keys(this.schema.vectorConfig) : [LEGACY_VECTOR];
  }

  /** Validates and normalises one object's properties against the schema (auto-schema is off). */
  checkProperties(props: Record<string, unknown>): Record<string, PropValue> {
    const out: Record<string, PropValue> = {};
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined) continue;
      const prop = this.property(key);
      if (!prop) {
        throw invalid(
          `no such prop with name '${key}' found in class '${this.name}' in the schema. ` +
            'Check your schema files for which properties in this class are available',
        );
      }
      out[key] = checkValue(prop, value);
    }
    return out;
  }

  checkVector(name: string, vector: number[]): void {
    if (!this.vectorNames().includes(name)) {
      throw invalid(`collection ${this.name} does not have a named vector "${name}"`);
    }
    const dim = this.dimensions.get(name);
    if (dim !== undefined && dim !== vector.length) {
      throw invalid(`new node has a vector with length ${vector.length}. Existing nodes have vectors with length ${dim}`);
    }
  }

  put(obj: Omit<StoredObject, 'createdAt' | 'updatedAt'>): void {
    for (const [name, v] of Object.entries(obj.vectors)) this.checkVector(name, v);
    for (const [name, v] of Object.entries(obj.vectors)) if (!this.dimensions.has(name)) this.dimensions.set(name, v.length);
    const now = Date.now();
    const prev = this.objects.get(obj.id);
    this.objects.set(obj.id, { ...obj, createdAt: prev?.createdAt ?? now, updatedAt: now });
  }
}

function checkValue(prop: PropertySchema, value: unknown): PropValue {
  const dt = prop.dataType[0]!;
  const isArray = dt.endsWith('[]');
  const base = baseType(dt);
  if (isArray) {
    if (!Array.isArray(value)) throw invalid(`invalid ${dt} property '${prop.name}' on class: not an array`);
    return value.map((v) => checkScalar(prop.name, base, v)) as PropValue;
  }
  return checkScalar(prop.name, base, value);
}

function checkScalar(name: string, base: string, value: unknown): string | number | boolean {
  const bad = () => invalid(`invalid ${base} property '${name}' on class: got ${JSON.stringify(value)}`);
  switch (base) {
    case 'text':
      if (typeof value !== 'string') throw bad();
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad();
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad();
      return value;
    case 'date':
      if (typeof value !== 'string' || !rfc3339Re.test(value) || Number.isNaN(Date.parse(value))) throw bad();
      return new Date(value).toISOString();
    case 'uuid':
      if (typeof value !== 'string' || !uuidRe.test(value)) throw bad();
      return value.toLowerCase();
    default:
      throw bad();
  }
}

export class FakeStore {
  private readonly collections = new Map<string, FakeCollection>();

  list(): FakeCollection[] {
    return [...this.collections.values()];
  }

  find(name: string): FakeCollection | undefined {
    return this.collections.get(capitalize(name));
  }

  get(name: string): FakeCollection {
    const c = this.find(name);
    if (!c) throw notFound(`could not find class ${name} in schema`);
    return c;
  }

  create(input: Record<string, unknown>): FakeCollection {
    const schema = withServerDefaults(input);
    if (this.collections.has(schema.class)) throw invalid(`class name "${schema.class}" already exists`);
    const c = new FakeCollection(schema);
    this.collections.set(schema.class, c);
    return c;
  }

  /** Class update: only mutable settings change (here: description), like the server's PUT. */
  update(name: string, input: Record<string, unknown>): FakeCollection {
    const c = this.get(name);
    if (typeof input.description === 'string') c.schema = { ...c.schema, description: input.description };
    return c;
  }

  /** POST /v1/schema/{class}/properties: a new property (existing objects have no value for it). */
  addProperty(name: string, property: Record<string, unknown>): PropertySchema {
    const c = this.get(name);
    const merged = withServerDefaults({ class: c.schema.class, properties: [...c.schema.properties, property] });
    c.schema = { ...c.schema, properties: merged.properties };
    return merged.properties[merged.properties.length - 1]!;
  }

  delete(name: string): void {
    this.collections.delete(capitalize(name));
  }

  clear(): void {
    this.collections.clear();
  }
}
