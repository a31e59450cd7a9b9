import { FakeHttpServer } from '../fake-http-server.js';
import type { FakeReply, FakeRequest } from '../fake-http-server.js';
import { defaults, emptyBill } from './options.js';
import type { BrightDataBill, BrightDataFault, FakeBrightDataOptions, Operation } from './options.js';
import type { FakeCreatorProfile } from './profiles.js';
import { handleOf, profileRecord } from './records.js';
import { Snapshots, text } from './snapshots.js';

/**
 * A local BrightData Web Scraper API (datasets v3) server: sync /scrape (both body shapes, 202 with a
 * snapshot_id), /trigger, /progress (every documented status variant), /snapshot (202 running /
 * building, 400 expired / empty, 404), plain-text 401 / 429 (+ Retry-After) / 500 like the real
 * service, per-record errors (dead_page) and private profiles, and records in each field-name
 * variant (records.ts). It bills the records it delivers (error records are free) and records
 * every request. What a test can set is in options.ts, the creators it knows in profiles.ts.
 */
export class FakeBrightData extends FakeHttpServer {
  options: FakeBrightDataOptions;
  billed: BrightDataBill = emptyBill();
  /** body shapes seen on /scrape: `{input:[…]}` (SDK) or a bare array (docs) */
  readonly scrapeShapes: ('object' | 'array')[] = [];
  private readonly creators = new Map<string, FakeCreatorProfile>();
  private readonly snapshots = new Snapshots();
  private readonly scripts: Record<Operation | 'any', BrightDataFault[]> = { scrape: [], trigger: [], progress: [], snapshot: [], any: [] };
  /**
   * Consulted for a creator the fake does not know yet (rehearsal mode: the creators of the
   * current index, with fresher numbers); what it finds is kept like `addCreators`.
   */
  lookup: ((platform: 'instagram' | 'tiktok', handle: string) => Promise<FakeCreatorProfile | null>) | null = null;

  constructor(options: Partial<FakeBrightDataOptions> = {}) {
    super();
    this.options = { ...defaults, ...options };
  }

  addCreators(...list: FakeCreatorProfile[]): void {
    for (const c of list) this.creators.set(`${c.platform}:${c.handle.toLowerCase()}`, c);
  }

  /** The next answers of one operation ('any' = whatever request comes next), in order. */
  script(op: Operation | 'any', ...faults: BrightDataFault[]): void {
    this.scripts[op].push(...faults);
  }

  reset(): void {
    this.requests.length = 0;
    this.billed = emptyBill();
    this.scrapeShapes.length = 0;
    this.snapshots.clear();
    for (const k of Object.keys(this.scripts) as (keyof typeof this.scripts)[]) this.scripts[k] = [];
  }

  /** Requests to the data API (not the control API), by operation. */
  calls(op: Operation): FakeRequest[] {
    return this.requests.filter((r) => opOf(r.path) === op);
  }

  protected state() {
    return { billed: this.billed, requests: this.requests.length, creators: this.creators.size, snapshots: this.snapshots.size, options: this.options };
  }

  protected control(what: string, body: unknown): boolean {
    const b = (body ?? {}) as Record<string, unknown>;
    if (what === 'options') this.options = { ...this.options, ...(b as Partial<FakeBrightDataOptions>) };
    else if (what === 'creators' && Array.isArray(b.creators)) this.addCreators(...(b.creators as FakeCreatorProfile[]));
    else if (what === 'script' && typeof b.op === 'string' && Array.isArray(b.faults)) this.script(b.op as Operation, ...(b.faults as BrightDataFault[]));
    else if (what === 'reset') this.reset();
    else return false;
    return true;
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const op = opOf(req.path);
    if ((op === 'scrape' || op === 'trigger') && this.lookup) await this.learn(req);
    if (op) this.billed.requests[op]++;
    const auth = req.headers.authorization;
    if (!auth) return text(401, 'Credentials are missing');
    if (!auth.startsWith('Bearer ')) return text(401, 'Auth method is not supported');
    if (auth !== `Bearer ${this.options.apiKey}`) return text(401, 'Invalid credentials');
    if (!op) return text(404, 'Not found');

    const fault = this.scripts[op].shift() ?? this.scripts.any.shift() ?? this.randomFault();
    if (fault === 'hang' || fault === 'drop') return fault;
    if (fault && typeof fault === 'object') return this.faultReply(fault);

    switch (op) {
      case 'scrape':
        return this.scrape(req, fault === 'not_ready');
      case 'trigger':
        return this.trigger(req);
      case 'progress':
        return this.progress(req);
      case 'snapshot':
        return this.snapshot(req, fault);
    }
  }

  private randomFault(): BrightDataFault | undefined {
    const r = this.random();
    if (r < this.options.errorRate) return { status: 500 };
    if (r < this.options.errorRate + this.options.rateLimitRate) return { status: 429, retryAfter: this.options.retryAfter429 ?? undefined };
    return undefined;
  }

  private faultReply(f: { status: number; body?: string; retryAfter?: string }): FakeReply {
    if (f.status === 429) this.billed.status429++;
    const body =
      f.body ??
      (f.status === 429
        ? 'You have too many running jobs for this dataset. Please wait for some of them to finish. Running jobs: 100>=100'
        : f.status === 401
          ? 'Invalid credentials'
          : 'Internal server error');
    return { status: f.status, headers: f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter }, body };
  }

  /** Asks `lookup` about the creators of a request that the fake does not know yet. */
  private async learn(req: FakeRequest): Promise<void> {
    const platform = this.platformOf(req.query.get('dataset_id'));
    const body = req.json;
    const inputs = Array.isArray(body) ? body : (body as { input?: unknown } | undefined)?.input;
    if (!platform || !Array.isArray(inputs)) return;
    for (const i of inputs) {
      const url = i && typeof i === 'object' ? (i as { url?: unknown }).url : undefined;
      const handle = typeof url === 'string' ? handleOf(platform, url) : null;
      if (!handle || this.creators.has(`${platform}:${handle}`)) continue;
      const found = await this.lookup!(platform, handle).catch(() => null);
      if (found) this.addCreators(found);
    }
  }

  private platformOf(datasetId: string | null): 'instagram' | 'tiktok' | null {
    if (datasetId === this.options.datasets.instagram) return 'instagram';
    if (datasetId === this.options.datasets.tiktok) return 'tiktok';
    return null;
  }

  /** Validates dataset and inputs; returns the records to deliver or an error reply. */
  private collect(req: FakeRequest, inputs: unknown): { datasetId: string; records: Record<string, unknown>[] } | Exclude<FakeReply, string> {
    const datasetId = req.query.get('dataset_id');
    if (!datasetId) return text(404, 'Collector not found');
    const platform = this.platformOf(datasetId);
    if (!platform) return text(404, 'dataset does not exist');
    if (!Array.isArray(inputs) || inputs.length === 0) return text(400, 'No data to trigger');
    const errors: [string, string][] = [];
    const urls: string[] = [];
    for (const i of inputs) {
      const url = i && typeof i === 'object' ? (i as { url?: unknown }).url : undefined;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) errors.push(['url', 'This field must be a valid url']);
      else urls.push(url);
    }
    if (errors.length > 0) return { status: 400, body: { error: 'Invalid input provided', code: 'validation_error', errors } };
    const includeErrors = req.query.get('include_errors') === 'true';
    const records = urls.map((url) => profileRecord(this.options, this.creators, platform, url)).filter((r) => includeErrors || !('error' in r));
    return { datasetId, records };
  }

  private scrape(req: FakeRequest, forceAsync: boolean): FakeReply {
    const body = req.json;
    this.scrapeShapes.push(Array.isArray(body) ? 'array' : 'object');
    const inputs = Array.isArray(body) ? body : (body as { input?: unknown } | undefined)?.input;
    const collected = this.collect(req, inputs);
    if (!('records' in collected)) return collected;
    if (forceAsync || this.options.scrapeAlwaysAsync) {
      const id = this.newSnapshot(collected.datasetId, collected.records);
      return {
        status: 202,
        headers: this.options.retryAfter202 === null ? {} : { 'retry-after': this.options.retryAfter202 },
        body: { snapshot_id: id, message: 'Your request is still in progress and may take more time. Use the snapshot_id to monitor it.' },
      };
    }
    return this.deliver(collected.records, req.query.get('format'));
  }

  private trigger(req: FakeRequest): FakeReply {
    const collected = this.collect(req, req.json);
    if (!('records' in collected)) return collected;
    return { status: 200, body: { snapshot_id: this.newSnapshot(collected.datasetId, collected.records) } };
  }

  private progress(req: FakeRequest): FakeReply {
    return this.snapshots.progress(snapshotIdOf(req), this.options);
  }

  private snapshot(req: FakeRequest, fault: BrightDataFault | undefined): FakeReply {
    const found = this.snapshots.download(snapshotIdOf(req), fault, this.options);
    return Array.isArray(found) ? this.deliver(found, req.query.get('format')) : found;
  }

  private newSnapshot(datasetId: string, records: Record<string, unknown>[]): string {
    return this.snapshots.create(datasetId, records, () => this.random());
  }

  private deliver(records: Record<string, unknown>[], format: string | null): FakeReply {
    const errors = records.filter((r) => 'error' in r).length;
    this.billed.records += records.length - errors;
    this.billed.errorRecords += errors;
    if (format === 'ndjson') return { status: 200, headers: { 'content-type': 'application/x-ndjson' }, body: records.map((r) => JSON.stringify(r)).join('\n') };
    return { status: 200, body: records };
  }
}

function opOf(path: string): Operation | null {
  const m = /^\/datasets\/v3\/(scrape|trigger|progress|snapshot)(\/|$)/.exec(path);
  return m ? (m[1] as Operation) : null;
}

function snapshotIdOf(req: FakeRequest): string {
  return decodeURIComponent(req.path.split('/').pop() ?? '');
}
