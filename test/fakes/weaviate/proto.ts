import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The gRPC definitions the official client itself uses (ts-proto output shipped inside
 * `weaviate-client`). The package does not export them, so they are loaded from its files: the
 * fake then decodes exactly the bytes the client encodes, with no hand-written .proto to drift.
 */
import type * as WeaviateModule from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/weaviate.js';
import type * as BaseModule from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/base.js';
import type * as BaseSearchModule from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/base_search.js';
import type * as HealthModule from '../../../node_modules/weaviate-client/dist/node/esm/proto/google/health/v1/health.js';

export type { SearchRequest, SearchResult } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/search_get.js';
export type { Filters, Vectors } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/base.js';
export type { Hybrid } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/base_search.js';
export type { BatchObject } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/batch.js';
export type { Properties, Value } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/properties.js';
export type { AggregateRequest } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/aggregate.js';
export type { WeaviateServiceImplementation } from '../../../node_modules/weaviate-client/dist/node/esm/proto/v1/weaviate.js';
export type { HealthServiceImplementation } from '../../../node_modules/weaviate-client/dist/node/esm/proto/google/health/v1/health.js';

const require = createRequire(import.meta.url);
// `require.resolve` honours the package's export map: ".../dist/node/cjs/index.js"
const cjsRoot = path.dirname(require.resolve('weaviate-client'));
const load = <T>(rel: string): T => require(path.join(cjsRoot, rel)) as T;

export const weaviateProto = load<typeof WeaviateModule>('proto/v1/weaviate.js');
export const baseProto = load<typeof BaseModule>('proto/v1/base.js');
export const baseSearchProto = load<typeof BaseSearchModule>('proto/v1/base_search.js');
export const healthProto = load<typeof HealthModule>('proto/google/health/v1/health.js');
