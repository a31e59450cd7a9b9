import type { FakeReply } from '../fake-http-server.js';
import type { BrightDataFault, FakeBrightDataOptions } from './options.js';

interface Snapshot {
  datasetId: string;
  records: Record<string, unknown>[];
  polls: number;
  downloads: number;
}

export function text(status: number, body: string): Exclude<FakeReply, string> {
  return { status, body };
}

/**
 * The asynchronous collections (/trigger, or a /scrape that outlived its request): /progress walks
 * each one through `progressSequence`, /snapshot answers 202 `snapshotNotReady` times before the data.
 */
export class Snapshots {
  private readonly byId = new Map<string, Snapshot>();
  private next = 1;

  get size(): number {
    return this.byId.size;
  }

  clear(): void {
    this.byId.clear();
  }

  create(datasetId: string, records: Record<string, unknown>[], random: () => number): string {
    const id = `s_fake${(this.next++).toString(36)}${Math.floor(random() * 1e6).toString(36)}`;
    this.byId.set(id, { datasetId, records, polls: 0, downloads: 0 });
    return id;
  }

  progress(id: string, options: FakeBrightDataOptions): FakeReply {
    const snap = this.byId.get(id);
    if (!snap) return text(404, 'Snapshot does not exist');
    const seq = options.progressSequence;
    const status = seq[Math.min(snap.polls++, seq.length - 1)] ?? 'ready';
    const body: Record<string, unknown> = { snapshot_id: id, dataset_id: snap.datasetId, status };
    if (status === 'failed') body.error_message = 'Collection failed: the scraper crashed';
    return { status: 200, body };
  }

  /** The records to deliver, or the reply that stands in for them (not ready, expired, empty, missing). */
  download(id: string, fault: BrightDataFault | undefined, options: FakeBrightDataOptions): Record<string, unknown>[] | FakeReply {
    if (fault === 'expired') return text(400, 'Snapshot is expired');
    if (fault === 'empty') return text(400, 'Snapshot is empty');
    const snap = this.byId.get(id);
    if (!snap || fault === 'missing') return text(404, 'Snapshot does not exist');
    if (snap.downloads < options.snapshotNotReady) {
      const status = snap.downloads++ % 2 === 0 ? 'running' : 'building';
      return {
        status: 202,
        headers: options.retryAfter202 === null ? {} : { 'retry-after': options.retryAfter202 },
        body: { status, message: 'Snapshot is not ready yet, try again in 10s' },
      };
    }
    if (snap.records.length === 0) return text(400, 'Snapshot is empty');
    return snap.records;
  }
}
