import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './webhook-url.js';

export interface SendResult {
  status: number;
}

/**
 * One POST to a webhook receiver: no redirects, a short connect timeout (an address that does not
 * accept connections gives up its delivery slot quickly), a hard overall timeout, the response body
 * drained and discarded, and a connection-time address check (see guardedLookup).
 */
export function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; connectTimeoutMs?: number; allowPrivate: boolean },
): Promise<SendResult> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        lookup: guardedLookup(opts.allowPrivate),
        signal: AbortSignal.timeout(opts.timeoutMs),
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    const connectMs = Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs);
    const connectTimer = setTimeout(() => req.destroy(new Error(`could not connect within ${connectMs} ms`)), connectMs);
    req.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('close', () => clearTimeout(connectTimer));
    req.on('error', (err: Error) =>
      reject(err.name === 'AbortError' ? new Error(`no response within ${opts.timeoutMs} ms`) : err),
    );
    req.end(body);
  });
}
