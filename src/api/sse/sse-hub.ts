import type { Response } from 'express';

export interface SseClient {
  res: Response;
  apiKeyId: string;
  /** ends the stream: stops heartbeats, unsubscribes, ends the response */
  close(finalComment?: string): void;
}

/** Open SSE streams of this process, so shutdown can end them cleanly and a key cannot hold too many. */
export class SseHub {
  private readonly clients = new Set<SseClient>();
  private closing = false;

  constructor(readonly maxPerKey = 20) {}

  get size(): number {
    return this.clients.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** a snapshot of the open streams */
  streams(): SseClient[] {
    return [...this.clients];
  }

  countFor(apiKeyId: string): number {
    let n = 0;
    for (const c of this.clients) if (c.apiKeyId === apiKeyId) n++;
    return n;
  }

  add(client: SseClient): void {
    this.clients.add(client);
  }

  remove(client: SseClient): void {
    this.clients.delete(client);
  }

  /** Ends every stream with a final comment telling the client to reconnect (with Last-Event-ID). */
  closeAll(reason = 'server shutting down; reconnect with Last-Event-ID'): number {
    this.closing = true;
    const n = this.clients.size;
    for (const c of [...this.clients]) c.close(reason);
    return n;
  }
}
