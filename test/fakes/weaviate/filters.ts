import type { Filters } from './proto.js';
import { baseProto } from './proto.js';
import type { FakeCollection, PropValue, StoredObject } from './store.js';
import { baseType } from './store.js';
import { tokenize } from './bm25.js';
import { invalid } from './errors.js';

const Op = baseProto.Filters_Operator;
type Scalar = string | number | boolean;

interface Operand {
  kind: 'text' | 'int' | 'number' | 'boolean';
  values: Scalar[];
  isArray: boolean;
}

function operand(f: Filters): Operand | null {
  if (f.valueText !== undefined) return { kind: 'text', values: [f.valueText], isArray: false };
  if (f.valueInt !== undefined) return { kind: 'int', values: [Number(f.valueInt)], isArray: false };
  if (f.valueNumber !== undefined) return { kind: 'number', values: [f.valueNumber], isArray: false };
  if (f.valueBoolean !== undefined) return { kind: 'boolean', values: [f.valueBoolean], isArray: false };
  if (f.valueTextArray) return { kind: 'text', values: f.valueTextArray.values, isArray: true };
  if (f.valueIntArray) return { kind: 'int', values: f.valueIntArray.values.map(Number), isArray: true };
  if (f.valueNumberArray) return { kind: 'number', values: f.valueNumberArray.values, isArray: true };
  if (f.valueBooleanArray) return { kind: 'boolean', values: f.valueBooleanArray.values, isArray: true };
  return null;
}

const valueName = (k: Operand['kind']) =>
  ({ text: 'valueText', int: 'valueInt', number: 'valueNumber', boolean: 'valueBoolean' })[k];

interface Target {
  name: string;
  type: string;
  tokenization: string;
  get(o: StoredObject): PropValue | undefined;
}

function resolveTarget(c: FakeCollection, f: Filters, rangeOp: boolean): Target {
  if (f.target?.singleTarget || f.target?.multiTarget || f.target?.count) {
    throw invalid('reference filters are not supported: the collection has no reference properties');
  }
  const name = f.target?.property ?? f.on[0];
  if (!name) throw invalid('filter has no target property');
  if (name === '_id') return { name, type: 'text', tokenization: 'field', get: (o) => o.id };
  if (name === '_creationTimeUnix' || name === '_lastUpdateTimeUnix') {
    return {
      name,
      type: 'date',
      tokenization: 'field',
      get: (o) => new Date(name === '_creationTimeUnix' ? o.createdAt : o.updatedAt).toISOString(),
    };
  }
  const prop = c.property(name);
  if (!prop) throw invalid(`no such prop with name '${name}' found in class '${c.name}' in the schema`);
  if (!(prop.indexFilterable || (rangeOp && prop.indexRangeFilters))) {
    throw invalid(
      `Filtering by property '${name}' requires inverted index. Is \`indexFilterable\` option of property '${name}' enabled? Set it to \`true\` or leave empty`,
    );
  }
  return { name, type: prop.dataType[0]!, tokenization: prop.tokenization ?? 'word', get: (o) => o.properties[name] };
}

function checkOperandType(t: Target, v: Operand): void {
  const base = baseType(t.type);
  const expected = base === 'date' || base === 'uuid' ? 'text' : base;
  if (expected !== v.kind) {
    throw invalid(
      `data type filter cannot use "${valueName(v.kind)}" on type "${t.type}", use "${valueName(expected as Operand['kind'])}" instead`,
    );
  }
}

function toComparable(t: Target, x: Scalar): Scalar {
  return baseType(t.type) === 'date' && typeof x === 'string' ? Date.parse(x) : x;
}

/** Tokens the inverted index holds for one stored value (word tokenization splits text). */
function indexed(t: Target, stored: PropValue | undefined): Scalar[] {
  if (stored === undefined) return [];
  const parts: Scalar[] = Array.isArray(stored) ? stored : [stored];
  if (baseType(t.type) !== 'text') return parts.map((p) => toComparable(t, p));
  return parts.flatMap((p) => tokenize(String(p), t.tokenization));
}

function queryTokens(t: Target, x: Scalar): Scalar[] {
  if (baseType(t.type) !== 'text') return [toComparable(t, x)];
  return tokenize(String(x), t.tokenization);
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Compiles a gRPC `Filters` message into a predicate, rejecting what Weaviate would reject. */
export function compileFilter(c: FakeCollection, f: Filters): (o: StoredObject) => boolean {
  switch (f.operator) {
    case Op.OPERATOR_AND: {
      const parts = f.filters.map((x) => compileFilter(c, x));
      return (o) => parts.every((p) => p(o));
    }
    case Op.OPERATOR_OR: {
      const parts = f.filters.map((x) => compileFilter(c, x));
      return (o) => parts.some((p) => p(o));
    }
    case Op.OPERATOR_NOT: {
      if (f.filters.length !== 1) throw invalid('Not expects exactly one operand');
      const inner = compileFilter(c, f.filters[0]!);
      return (o) => !inner(o);
    }
    default:
      return compileLeaf(c, f);
  }
}

function compileLeaf(c: FakeCollection, f: Filters): (o: StoredObject) => boolean {
  const rangeOps = [Op.OPERATOR_GREATER_THAN, Op.OPERATOR_GREATER_THAN_EQUAL, Op.OPERATOR_LESS_THAN, Op.OPERATOR_LESS_THAN_EQUAL];
  const t = resolveTarget(c, f, rangeOps.includes(f.operator));
  const v = operand(f);
  if (f.operator === Op.OPERATOR_IS_NULL) {
    if (v?.kind !== 'boolean') throw invalid('IsNull needs valueBoolean');
    if (!c.schema.invertedIndexConfig.indexNullState && !t.name.startsWith('_')) {
      throw invalid('Nullstate must be indexed to be filterable! Add `indexNullState: true` to the invertedIndexConfig');
    }
    const wantNull = v.values[0] === true;
    return (o) => {
      const s = t.get(o);
      const isNull = s === undefined || (Array.isArray(s) && s.length === 0);
      return isNull === wantNull;
    };
  }
  if (!v) throw invalid(`filter on '${t.name}' has no value`);
  checkOperandType(t, v);
  const wanted = v.values.flatMap((x) => queryTokens(t, x));
  switch (f.operator) {
    case Op.OPERATOR_EQUAL:
      return (o) => {
        const have = indexed(t, t.get(o));
        return wanted.length > 0 && wanted.every((w) => have.includes(w));
      };
    case Op.OPERATOR_NOT_EQUAL:
      return (o) => {
        const have = indexed(t, t.get(o));
        return !(wanted.length > 0 && wanted.every((w) => have.includes(w)));
      };
    case Op.OPERATOR_CONTAINS_ANY:
      return (o) => indexed(t, t.get(o)).some((h) => wanted.includes(h));
    case Op.OPERATOR_CONTAINS_ALL:
      return (o) => {
        const have = indexed(t, t.get(o));
        return wanted.every((w) => have.includes(w));
      };
    case Op.OPERATOR_CONTAINS_NONE:
      return (o) => !indexed(t, t.get(o)).some((h) => wanted.includes(h));
    case Op.OPERATOR_LIKE: {
      const re = likeToRegExp(String(v.values[0]));
      return (o) => indexed(t, t.get(o)).some((h) => re.test(String(h)));
    }
    case Op.OPERATOR_GREATER_THAN:
    case Op.OPERATOR_GREATER_THAN_EQUAL:
    case Op.OPERATOR_LESS_THAN:
    case Op.OPERATOR_LESS_THAN_EQUAL: {
      const bound = toComparable(t, v.values[0]!);
      const test = (h: Scalar) => {
        switch (f.operator) {
          case Op.OPERATOR_GREATER_THAN:
            return h > bound;
          case Op.OPERATOR_GREATER_THAN_EQUAL:
            return h >= bound;
          case Op.OPERATOR_LESS_THAN:
            return h < bound;
          default:
            return h <= bound;
        }
      };
      return (o) => indexed(t, t.get(o)).some(test);
    }
    default:
      throw invalid(`filter operator ${f.operator} is not supported`);
  }
}
