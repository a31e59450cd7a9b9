/** A Server-Sent Events reader over a fetch body (EventSource cannot send X-API-Key), following the spec's parsing rules. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export interface ReadSseOptions {
  /** the stream's `retry:` field, in milliseconds: the server's advice on when to reconnect */
  onRetry?: (ms: number) => void;
}

export async function* readSse(body: ReadableStream<Uint8Array>, opts: ReadSseOptions = {}): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | null = null;
  let event = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (nl === buffer.length - 1 && buffer.endsWith('\r')) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) opts.onRetry?.(Number(value));
      }
    }
  } finally {
    reader.releaseLock();
  }
}
