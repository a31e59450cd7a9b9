import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImportProgress } from '../../src/import/importer.js';
import { ImportProgressReporter } from '../../src/import/progress.js';

/** A non-terminal stream that keeps what is written. */
function sink(): { lines: string[]; stream: NodeJS.WriteStream } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s.trimEnd()), true) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

const at = (phase: ImportProgress['phase'], read: number, imported = 0): ImportProgress => ({
  phase, read, imported, skipped: 0, bytesRead: read * 100, totalBytes: 1_000_000, elapsedMs: 1000,
});

describe('ImportProgressReporter (plain lines)', () => {
  it('reports the records read while learning niches, one line per interval, and the first import line at once', () => {
    const { lines, stream } = sink();
    const r = new ImportProgressReporter(stream, 60_000);
    r.update(at('classifying', 0));
    r.update(at('classifying', 1000));
    r.update(at('classifying', 2000));
    r.update(at('importing', 2000, 500));
    r.update(at('importing', 2000, 1000));
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^learning niches: 0 read/);
    assert.match(lines[1]!, /^import: 2,000 read · 500 imported/);
  });

  it('prints a later learning line once the interval has passed', () => {
    const { lines, stream } = sink();
    const r = new ImportProgressReporter(stream, 0);
    r.update(at('classifying', 0));
    r.update(at('classifying', 23_052));
    assert.match(lines.at(-1)!, /^learning niches: 23,052 read/);
  });
});
