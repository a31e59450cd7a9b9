import { createParser } from 'eventsource-parser';

/** A Server-Sent Events reader over fetch (Node 20 has no EventSource); the parsing is eventsource-parser's. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  // the spec's last event id: it carries over to later events that set none
  let id: string | null = null;
  const ready: SseMessage[] = [];
  const parser = createParser({
    onId: (value) => {
      id = value;
    },
    onEvent: (e) => ready.push({ id, event: e.event ?? 'message', data: e.data }),
  });
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      yield* ready.splice(0);
    }
  } finally {
    reader.releaseLock();
  }
}
