import type { Creator } from '../../src/domain/creator.js';
import { FakeHttpServer } from './fake-http-server.js';
import type { FakeReply, FakeRequest } from './fake-http-server.js';

/**
 * A local BrightData Web Scraper API (datasets v3) server: sync /scrape (both body shapes, 202 with a
 * snapshot_id), /trigger, /progress (every documented status variant), /snapshot (202 running /
 * building, 400 expired / empty, 404), plain-text 401 / 429 (+ Retry-After) / 500 like the real
 * service, per-record errors (dead_page) and private profiles, and records in each field-name
 * variant. It bills the records it delivers (error records are free) and records every request.
 */

export interface FakeCreatorProfile {
  platform: 'instagram' | 'tiktok';
  handle: string;
  fullName?: string;
  bio?: string;
  followers?: number;
  following?: number;
  posts?: number;
  verified?: boolean;
  country?: string;
  email?: string;
  /** fraction; left out of the record when undefined (clients must compute it) */
  engagement?: number;
  recent?: { caption: string; likes: number; comments: number }[];
}

/**
 * What BrightData knows about creators of our index: the same people with fresher numbers
 * (`followersGain` more followers), their bio and one recent post.
 */
export function freshProfilesOf(creators: Creator[], followersGain = 1000): FakeCreatorProfile[] {
  return creators.map((c) => ({
    platform: 'instagram' as const,
    handle: c.handle,
    fullName: c.displayName ?? undefined,
    bio: c.bio,
    followers: (c.followers ?? 0) + followersGain,
    following: 100,
    posts: 300,
    country: c.country ?? undefined,
    recent: [{ caption: c.bio.slice(0, 80), likes: 500, comments: 20 }],
  }));
}

/** Field-name variant of Instagram records: catalog type, docs' short example, or alternating. */
export type InstagramVariant = 'catalog' | 'short' | 'mixed';

export type BrightDataFault =
  | 'hang'
  | 'drop'
  /** /scrape: 202 with a snapshot id (the collection outlived the request) */
  | 'not_ready'
  /** /snapshot: 400 Snapshot is expired / Snapshot is empty, 404 Snapshot does not exist */
  | 'expired'
  | 'empty'
  | 'missing'
  | { status: number; body?: string; retryAfter?: string };

export type Operation = 'scrape' | 'trigger' | 'progress' | 'snapshot';

export interface FakeBrightDataOptions {
  apiKey: string;
  datasets: { instagram: string; tiktok: string };
  instagramVariant: InstagramVariant;
  /** statuses /progress walks through for each snapshot, ending on the last one */
  progressSequence: string[];
  /** /snapshot answers 202 (running, building, …) this many times before the data */
  snapshotNotReady: number;
  /** Retry-After (seconds) on 202 answers; null sends none */
  retryAfter202: string | null;
  /** every /scrape answers 202 and goes asynchronous */
  scrapeAlwaysAsync: boolean;
  /** handles that come back as dead_page error records (unknown handles do too) */
  dead: string[];
  /** handles whose record says is_private */
  private: string[];
  /** include `input: {url}` in profile records (error records always carry it) */
  echoInput: boolean;
  /** chaos: probability of a random 500 / 429 (with retryAfter429) per request */
  errorRate: number;
  rateLimitRate: number;
  retryAfter429: string | null;
}

export interface BrightDataBill {
  /** delivered profile records (billed) */
  records: number;
  /** error records delivered (not billed) */
  errorRecords: number;
  requests: Record<Operation, number>;
  status429: number;
}

const defaults: FakeBrightDataOptions = {
  apiKey: 'bd-test-key',
  datasets: { instagram: 'gd_l1vikfch901nx3by4', tiktok: 'gd_l1villgoiiidt09ci' },
  instagramVariant: 'catalog',
  progressSequence: ['starting', 'running', 'ready'],
  snapshotNotReady: 0,
  retryAfter202: '0',
  scrapeAlwaysAsync: false,
  dead: [],
  private: [],
  echoInput: false,
  errorRate: 0,
  rateLimitRate: 0,
  retryAfter429: '1',
};

const emptyBill = (): BrightDataBill => ({ records: 0, errorRecords: 0, requests: { scrape: 0, trigger: 0, progress: 0, snapshot: 0 }, status429: 0 });

interface Snapshot {
  datasetId: string;
  records: Record<string, unknown>[];
  polls: number;
  downloads: number;
}

export class FakeBrightData extends FakeHttpServer {
  options: FakeBrightDataOptions;
  billed: BrightDataBill = emptyBill();
  /** body shapes seen on /scrape: `{input:[…]}` (SDK) or a bare array (docs) */
  readonly scrapeShapes: ('object' | 'array')[] = [];
  private readonly creators = new Map<string, FakeCreatorProfile>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly scripts: Record<Operation | 'any', BrightDataFault[]> = { scrape: [], trigger: [], progress: [], snapshot: [], any: [] };
  private nextSnapshot = 1;
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
    const records = urls.map((url) => this.record(platform, url)).filter((r) => includeErrors || !('error' in r));
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
    const id = decodeURIComponent(req.path.split('/').pop() ?? '');
    const snap = this.snapshots.get(id);
    if (!snap) return text(404, 'Snapshot does not exist');
    const seq = this.options.progressSequence;
    const status = seq[Math.min(snap.polls++, seq.length - 1)] ?? 'ready';
    const body: Record<string, unknown> = { snapshot_id: id, dataset_id: snap.datasetId, status };
    if (status === 'failed') body.error_message = 'Collection failed: the scraper crashed';
    return { status: 200, body };
  }

  private snapshot(req: FakeRequest, fault: BrightDataFault | undefined): FakeReply {
    const id = decodeURIComponent(req.path.split('/').pop() ?? '');
    if (fault === 'expired') return text(400, 'Snapshot is expired');
    if (fault === 'empty') return text(400, 'Snapshot is empty');
    const snap = this.snapshots.get(id);
    if (!snap || fault === 'missing') return text(404, 'Snapshot does not exist');
    if (snap.downloads < this.options.snapshotNotReady) {
      const status = snap.downloads++ % 2 === 0 ? 'running' : 'building';
      return {
        status: 202,
        headers: this.options.retryAfter202 === null ? {} : { 'retry-after': this.options.retryAfter202 },
        body: { status, message: 'Snapshot is not ready yet, try again in 10s' },
      };
    }
    if (snap.records.length === 0) return text(400, 'Snapshot is empty');
    return this.deliver(snap.records, req.query.get('format'));
  }

  private newSnapshot(datasetId: string, records: Record<string, unknown>[]): string {
    const id = `s_fake${(this.nextSnapshot++).toString(36)}${Math.floor(this.random() * 1e6).toString(36)}`;
    this.snapshots.set(id, { datasetId, records, polls: 0, downloads: 0 });
    return id;
  }

  private deliver(records: Record<string, unknown>[], format: string | null): FakeReply {
    const errors = records.filter((r) => 'error' in r).length;
    this.billed.records += records.length - errors;
    this.billed.errorRecords += errors;
    if (format === 'ndjson') return { status: 200, headers: { 'content-type': 'application/x-ndjson' }, body: records.map((r) => JSON.stringify(r)).join('\n') };
    return { status: 200, body: records };
  }

  private record(platform: 'instagram' | 'tiktok', url: string): Record<string, unknown> {
    const handle = handleOf(platform, url);
    const c = handle ? this.creators.get(`${platform}:${handle}`) : undefined;
    if (!handle || !c || this.options.dead.includes(handle)) {
      return { input: { url }, error: 'Page does not exist or is no longer available', error_code: 'dead_page', status_code: 404 };
    }
    const input = this.options.echoInput ? { input: { url } } : {};
    if (this.options.private.includes(handle)) {
      return platform === 'instagram'
        ? { ...input, account: handle, is_private: true, followers: c.followers ?? 0, posts: [] }
        : { ...input, account_id: handle, url: `https://www.tiktok.com/@${handle}`, is_private: true };
    }
    if (platform === 'tiktok') return { ...input, ...tiktokRecord(c) };
    const variant = this.options.instagramVariant === 'mixed' ? (handle.length % 2 === 0 ? 'catalog' : 'short') : this.options.instagramVariant;
    return { ...input, ...(variant === 'catalog' ? instagramCatalog(c) : instagramShort(c)) };
  }
}

function opOf(path: string): Operation | null {
  const m = /^\/datasets\/v3\/(scrape|trigger|progress|snapshot)(\/|$)/.exec(path);
  return m ? (m[1] as Operation) : null;
}

function text(status: number, body: string): Exclude<FakeReply, string> {
  return { status, body };
}

function handleOf(platform: 'instagram' | 'tiktok', url: string): string | null {
  try {
    const first = new URL(url).pathname.split('/').filter(Boolean)[0];
    if (!first) return null;
    if (platform === 'tiktok') return first.startsWith('@') ? first.slice(1).toLowerCase() : null;
    return first.toLowerCase();
  } catch {
    return null;
  }
}

/** The dataset catalog's field names (brightdata-scraper-types instagram-profiles). */
function instagramCatalog(c: FakeCreatorProfile): Record<string, unknown> {
  return {
    account: c.handle,
    id: String(hash(c.handle)),
    fbid: String(hash(c.handle) * 7),
    full_name: c.fullName ?? null,
    profile_name: c.fullName ?? null,
    biography: c.bio ?? '',
    followers: c.followers ?? 0,
    following: c.following ?? 0,
    posts_count: c.posts ?? 0,
    is_verified: c.verified ?? false,
    is_private: false,
    is_business_account: c.email !== undefined,
    email_address: c.email ?? null,
    ...(c.engagement === undefined ? {} : { avg_engagement: c.engagement }),
    category_name: 'Creator',
    region: c.country ?? null,
    post_hashtags: ['#fitness', '#vegan'].filter(() => (c.bio ?? '').toLowerCase().includes('fitness')),
    profile_url: `https://www.instagram.com/${c.handle}`,
    url: `https://www.instagram.com/${c.handle}/`,
    profile_image_link: `https://cdn.example/${c.handle}.jpg`,
    posts: (c.recent ?? []).map((p, i) => ({
      id: `${hash(c.handle)}_${i}`,
      caption: p.caption,
      datetime: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(),
      likes: p.likes,
      comments: p.comments,
      content_type: i % 2 ? 'Video' : 'Photo',
      url: `https://www.instagram.com/p/${hash(c.handle + i).toString(36)}/`,
      is_pinned: false,
    })),
  };
}

/** The docs' short example: user_name, numbers as display strings, no engagement figure. */
function instagramShort(c: FakeCreatorProfile): Record<string, unknown> {
  return {
    user_name: `@${c.handle}`,
    profile_pic_url: `https://cdn.example/${c.handle}.jpg`,
    full_name: c.fullName ?? null,
    bio: c.bio ?? '',
    followers: display(c.followers ?? 0),
    following: String(c.following ?? 0),
    posts_count: (c.posts ?? 0).toLocaleString('en-US'),
    verified: c.verified ?? false,
    business_email: c.email ?? null,
    country_code: c.country ?? null,
    latest_posts: (c.recent ?? []).map((p, i) => ({
      caption: p.caption,
      likes_count: p.likes,
      comments_count: p.comments,
      date_posted: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(),
    })),
  };
}

/** The TikTok profiles dataset (collect-by-url example), including its "awg_engagement_rate" spelling. */
function tiktokRecord(c: FakeCreatorProfile): Record<string, unknown> {
  return {
    account_id: c.handle,
    nickname: c.fullName ?? c.handle,
    biography: c.bio ?? '',
    bio_link: null,
    is_verified: c.verified ?? false,
    followers: c.followers ?? 0,
    following: c.following ?? 0,
    likes: (c.followers ?? 0) * 12,
    videos_count: c.posts ?? 0,
    create_time: '2020-03-01T10:00:00.000Z',
    url: `https://www.tiktok.com/@${c.handle}`,
    profile_pic_url: `https://cdn.example/${c.handle}.jpeg`,
    ...(c.engagement === undefined ? {} : { awg_engagement_rate: c.engagement }),
    is_private: false,
    region: c.country ?? null,
    predicted_lang: 'en',
    top_videos: (c.recent ?? []).map((p, i) => ({
      video_id: `${hash(c.handle)}${i}`,
      video_url: `https://www.tiktok.com/@${c.handle}/video/${hash(c.handle)}${i}`,
      diggcount: p.likes,
      commentcount: p.comments,
      playcount: p.likes * 20,
      share_count: 1,
      create_date: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(),
      description: p.caption,
    })),
  };
}

function display(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
