import type { ImportProgress, ImportSummary } from './importer.js';

/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, otherwise one plain line every few
 * seconds (logs and CI output stay readable).
 */
export class ImportProgressReporter {
  private lastLine = Number.NEGATIVE_INFINITY;
  private lastPhase: ImportProgress['phase'] | null = null;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 5000,
  ) {}

  get isTty(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(p: ImportProgress): void {
    if (this.isTty) {
      this.out.write(`\r${bar(p, Math.max(10, Math.min(40, (this.out.columns ?? 80) - 70)))}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = performance.now();
    if (p.phase === 'done') return;
    // one line every few seconds per phase: the first line of a phase always shows
    const throttled = p.phase === 'importing' || p.phase === 'classifying';
    if (throttled && p.phase === this.lastPhase && now - this.lastLine < this.intervalMs) return;
    this.lastPhase = p.phase;
    if (throttled) this.lastLine = now;
    this.out.write(`${p.phase === 'optimizing' ? 'optimizing index' : p.phase === 'classifying' ? 'learning niches' : 'import'}: ${stats(p)}\n`);
  }

  /** clears the bar so that other output (a bad row) starts on a clean line */
  interrupt(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

function bar(p: ImportProgress, width: number): string {
  const fraction = (p.phase === 'importing' || p.phase === 'classifying') && p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const filled = Math.round(fraction * width);
  const label =
    p.phase === 'optimizing' ? 'optimizing index…' : p.phase === 'classifying' ? 'learning niches…' : `${(fraction * 100).toFixed(0).padStart(3)}%`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${label} ${stats(p)}`;
}

function stats(p: ImportProgress): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? Math.round(p.read / secs) : 0;
  return `${fmt(p.read)} read · ${fmt(p.imported)} imported · ${fmt(p.skipped)} skipped · ${fmt(rate)}/s · ${secs.toFixed(1)}s`;
}

export function formatSummary(s: ImportSummary): string {
  const lines = [
    `imported ${fmt(s.imported)} of ${fmt(s.read)} records from ${s.file} (format ${s.format})`,
    `skipped ${fmt(s.skipped)} bad row(s)`,
    `took ${(s.durationMs / 1000).toFixed(1)}s (${fmt(Math.round(s.ratePerSec))} records/s), of which ${(s.optimizeMs / 1000).toFixed(1)}s ` +
      `index optimisation; the index now holds ${fmt(s.indexCount)} creators`,
  ];
  if (s.demoRemoved > 0) {
    lines.push(`removed the ${fmt(s.demoRemoved)} demo creators (source "demo"): real data replaces the demo (--keep-demo keeps them)`);
  }
  if (s.nicheModel) {
    const m = s.nicheModel;
    lines.push(
      m.trained
        ? `niches learned from ${fmt(m.creators)} creators (${fmt(m.seeded)} seeded by the lexicon, ${fmt(m.vocabulary)} words) in ${(s.classifyMs / 1000).toFixed(1)}s`
        : `niches from the stored model (learned from ${fmt(m.creators)} creators)`,
    );
  }
  return lines.join('\n');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
