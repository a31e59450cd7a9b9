import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type ProxyAction =
  /** forward as is */
  | 'pass'
  /** forward the event stream up to the end of its first event, then cut the connection */
  | 'drop-after-first-event'
  /** close the connection without answering */
  | 'drop';

export interface ProxiedRequest {
  method: string;
  url: string;
  accept: string | null;
  lastEventId: string | null;
  action: ProxyAction;
}

/**
 * A loopback HTTP proxy in front of the real API that can break connections the way networks do:
 * a stream cut mid-body, a connection closed before any answer. `decide` picks per request; `log`
 * records what the client actually sent (Last-Event-ID, Accept).
 */
export async function startFlakyProxy(target: string, decide: (req: http.IncomingMessage) => ProxyAction) {
  const log: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const action = decide(req);
    log.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      accept: req.headers.accept ?? null,
      lastEventId: (req.headers['last-event-id'] as string | undefined) ?? null,
      action,
    });
    if (action === 'drop') {
      req.socket.destroy();
      return;
    }
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (action === 'pass') {
        up.pipe(res);
        return;
      }
      let seen = '';
      let cut = false;
      up.on('data', (chunk: Buffer) => {
        if (cut) return;
        seen += chunk.toString('utf8');
        const event = /(?:^|\n)id: \d+\n(?:.*\n)*?\n/.exec(seen);
        if (!event) return;
        cut = true;
        res.write(seen.slice(0, event.index + event[0].length), () => {
          up.destroy();
          res.socket?.destroy();
        });
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
