/**
 * Requests generated from the OpenAPI document itself: for every operation, one request that
 * follows the schemas, then one per mutation of each of its parameters (path, query, header) and of
 * each property of its JSON body. Used by the HTTP fuzz scenario, so every operation the document
 * describes is exercised, including ones added after the fuzzer was written.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: Json[];
  const?: Json;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  example?: Json;
  default?: Json;
}
interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Record<string, string[]>[];
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  components?: { schemas?: Record<string, Schema>; parameters?: Record<string, Parameter> };
  security?: Record<string, string[]>[];
}

export interface GeneratedProbe {
  operation: string;
  mutation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const prototypeNames = Object.getOwnPropertyNames(Object.prototype);

/** Hostile values for a parameter or property, whatever its declared type. */
const hostileValues: Json[] = [
  '',
  ' ',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  'NaN',
  'null',
  'true',
  '%00',
  '\u202ertl\u202c',
  'e\u0301\u0301',
  '\u{1F600}',
  'x'.repeat(5_000),
  '../../etc/passwd',
  "' or 1=1 --",
  ...prototypeNames,
  -1,
  0,
  1.5,
  1e308,
  null,
  true,
  [],
  [null],
  {},
  JSON.parse('{"__proto__": {"polluted": true}}') as Json,
];

export class OpenApiProbes {
  constructor(private readonly doc: OpenApiDocument) {}

  private resolve<T extends { $ref?: string }>(x: T): T {
    let cur: { $ref?: string } = x;
    for (let i = 0; cur.$ref && i < 10; i++) {
      const parts = cur.$ref.replace(/^#\//, '').split('/');
      cur = parts.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], this.doc) as { $ref?: string };
    }
    return cur as T;
  }

  /** A value that satisfies the schema (as far as a generator without a regex engine can). */
  sample(schemaIn: Schema, depth = 0): Json {
    const s = this.resolve(schemaIn);
    if (s.example !== undefined) return s.example;
    if (s.const !== undefined) return s.const;
    if (s.enum?.length) return s.enum[0]!;
    if (s.default !== undefined) return s.default;
    const alt = s.anyOf ?? s.oneOf;
    if (alt?.length) return this.sample(alt.find((a) => this.resolve(a).type !== 'null') ?? alt[0]!, depth + 1);
    if (s.allOf?.length) return this.sample(s.allOf[0]!, depth + 1);
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    switch (type) {
      case 'integer':
      case 'number':
        return s.minimum ?? Math.min(1, s.maximum ?? 1);
      case 'boolean':
        return true;
      case 'array':
        return depth > 4 || !s.items ? [] : Array.from({ length: s.minItems ?? 1 }, () => this.sample(s.items!, depth + 1));
      case 'object': {
        const out: Record<string, Json> = {};
        for (const k of s.required ?? []) if (s.properties?.[k]) out[k] = this.sample(s.properties[k], depth + 1);
        return out;
      }
      default:
        if (s.format === 'uri') return 'https://example.com/hook';
        if (s.pattern?.startsWith('^job_')) return 'job_doesnotexist';
        return 'fitness creators for a protein brand'.slice(0, Math.max(s.minLength ?? 1, Math.min(s.maxLength ?? 36, 36)));
    }
  }

  /** Every operation of the document as [method, path template, operation]. */
  operations(): [string, string, Operation][] {
    const out: [string, string, Operation][] = [];
    for (const [path, item] of Object.entries(this.doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (Array.isArray(op) || !['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        out.push([method.toUpperCase(), path, op]);
      }
    }
    return out;
  }

  /**
   * The probes of one operation. `fill` supplies real values for path parameters (an existing job
   * id) and the credentials the operation's security scheme needs.
   */
  probes(method: string, template: string, op: Operation, fill: { path: Record<string, string>; headers: Record<string, string> }): GeneratedProbe[] {
    const params = (op.parameters ?? []).map((p) => this.resolve(p));
    const bodySchema = op.requestBody?.content['application/json']?.schema;
    const secured = (op.security ?? this.doc.security ?? []).length > 0;
    const operation = `${method} ${template}`;

    const build = (mutation: string, over: { param?: [Parameter, Json]; body?: Json | typeof OMIT }): GeneratedProbe => {
      let path = template;
      const query = new URLSearchParams();
      const headers: Record<string, string> = secured ? { ...fill.headers } : {};
      for (const p of params) {
        const mutated = over.param?.[0] === p;
        const value = mutated ? over.param![1] : p.in === 'path' ? (fill.path[p.name] ?? this.sample(p.schema ?? {})) : undefined;
        if (value === undefined) continue;
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text));
        else if (p.in === 'query') {
          if (Array.isArray(value)) for (const v of value) query.append(p.name, JSON.stringify(v));
          else query.append(p.name, text);
        } else if (p.in === 'header' && /^[\t\x20-\x7e]*$/.test(text) && text.length < 4_000) headers[p.name] = text;
      }
      let body: string | undefined;
      if (bodySchema) {
        const value = over.body === undefined ? this.sample(bodySchema) : over.body;
        if (value !== OMIT) {
          body = JSON.stringify(value);
          headers['Content-Type'] = 'application/json';
        }
      }
      const qs = query.toString();
      return { operation, mutation, method, path: `${path.replace(/\{[^}]+\}/g, 'x')}${qs ? `?${qs}` : ''}`, headers, body };
    };

    const probes: GeneratedProbe[] = [build('as documented', {})];
    for (const p of params) {
      for (const v of hostileValues) probes.push(build(`${p.in}:${p.name}=${JSON.stringify(v).slice(0, 40)}`, { param: [p, v] }));
    }
    if (bodySchema) {
      const base = this.sample(bodySchema) as Record<string, Json>;
      const props = Object.keys(this.resolve(bodySchema).properties ?? {});
      probes.push(build('body omitted', { body: OMIT }));
      for (const whole of [null, [], 'text', 42, {}]) probes.push(build(`body=${JSON.stringify(whole)}`, { body: whole }));
      for (const name of [...props, ...prototypeNames]) {
        const { [name]: _dropped, ...without } = base;
        probes.push(build(`body.${name} removed`, { body: without }));
        for (const v of hostileValues) probes.push(build(`body.${name}=${JSON.stringify(v).slice(0, 40)}`, { body: { ...base, [name]: v } }));
      }
    }
    return probes;
  }
}

const OMIT = Symbol('omit the body');
