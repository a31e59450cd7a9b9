import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/processes.js';

/**
 * Runs `body` in a child process with `log`, a buffered logger (the API's setting unless given),
 * and collects its stdout; `onLine` can act while it still runs.
 */
function runLogging(body: string, opts: { onLine?: (line: string, elapsedMs: number) => void; buffering?: string } = {}) {
  const script = `
    const { createLogger, API_LOG_BUFFERING } = await import('./src/app/logger.ts');
    const log = createLogger('info', { role: 'api' }, ${opts.buffering ?? 'API_LOG_BUFFERING'});
    ${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = Date.now();
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const line of d.toString().split('\n').filter(Boolean)) opts.onLine?.(line, Date.now() - started);
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<{ code: number | null; lines: { msg: string; n?: number }[]; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; n?: number }), stderr: err })),
  );
}

const numbered = (lines: { msg: string; n?: number }[]): (number | undefined)[] => lines.filter((l) => l.msg === 'line').map((l) => l.n);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('buffered logger (API process)', () => {
  it('writes every line, in order, when the process ends by itself, by process.exit, or by an uncaught exception', async () => {
    for (const [how, tail, code] of [
      ['the event loop empties', '', 0],
      ['process.exit(3)', 'process.exit(3);', 3],
      ['an uncaught exception', "throw new Error('boom');", 1],
    ] as const) {
      const r = await runLogging(`for (let n = 0; n < 1000; n++) log.info({ n }, 'line'); log.info({ n: 1000 }, 'line'); ${tail}`);
      assert.equal(r.code, code, `${how}: ${r.stderr}`);
      assert.deepEqual(numbered(r.lines), range(1001), how);
    }
  });

  it('writes a lone line within its flush interval while the process keeps running', async () => {
    let delay = -1;
    const r = await runLogging("log.info({ n: 0, at: Date.now() }, 'line'); setTimeout(() => log.info({ n: 1 }, 'line'), 2000);", {
      onLine: (line) => {
        if (delay < 0 && line.includes('"n":0')) delay = Date.now() - (JSON.parse(line) as { at: number }).at;
      },
    });
    assert.deepEqual(numbered(r.lines), [0, 1]);
    // 200 ms interval; the rest is slack for a loaded machine
    assert.ok(delay >= 0 && delay < 1000, `the lone line reached stdout after ${delay} ms`);
  });

  it('a line longer than the buffer is written at once, whole', async () => {
    const r = await runLogging("log.info({ n: 0, text: 'x'.repeat(10_000) }, 'line');", { buffering: '{ bytes: 4096, flushMs: 60_000 }' });
    assert.deepEqual(numbered(r.lines), [0]);
  });
});
