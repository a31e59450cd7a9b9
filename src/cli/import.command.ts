import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { formatIds } from '../import/formats/index.js';
import type { FormatId } from '../import/formats/index.js';
import { importFile, nicheModelPath } from '../import/importer.js';
import { formatSummary, ImportProgressReporter } from '../import/progress.js';
import { ImportFormatError } from '../import/records.js';
import { timestamp } from '../import/values.js';
import { IndexEmbedderMismatchError } from '../providers/search-index/creator-index.js';
import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';

const MAX_PRINTED_BAD_ROWS = 50;

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

const command: Command = {
  name: 'import',
  summary:
    'Import creators from a CSV/JSONL file into the search index (re-importing updates, never duplicates).\n' +
    `Formats: ${formatIds.join(', ')} — detected from the header when --format is not given; see docs/import-format.md.`,
  usage:
    `scout import FILE [--format ${formatIds.join('|')}] [--reindex] [--batch-size N] [--threads N] [--limit N] [--source NAME] [--withhold-categories]\n` +
    '            [--no-niches]   (skip niche inference; see docs/quality.md)\n' +
    "            [--observed-at DATE]   (when the file's data was true, for rows without last_post_at / observed_at)\n" +
    '            [--keep-demo]   (keep the demo creators, which the first import of real data removes)',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' },
      reindex: { type: 'boolean' },
      'withhold-categories': { type: 'boolean' },
      'no-niches': { type: 'boolean' },
      'batch-size': { type: 'string' },
      threads: { type: 'string' },
      limit: { type: 'string' },
      source: { type: 'string' },
      'observed-at': { type: 'string' },
      'keep-demo': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    const file = positionals[0]!;
    const format = values.format;
    if (format !== undefined && !(formatIds as readonly string[]).includes(format)) {
      throw new UsageError(`--format must be one of ${formatIds.join(', ')}`);
    }
    const batchSize = positiveInt('batch-size', values['batch-size']);
    const limit = positiveInt('limit', values.limit);
    // classify and embed on this many threads (default: one per core, at most 4; 1 = the importer's own)
    const threads = positiveInt('threads', values.threads);
    let observedAt: string | undefined;
    try {
      observedAt = timestamp('--observed-at', values['observed-at']) ?? undefined;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }

    const config = loadConfig();
    const ctx = await createContext(config, { role: 'cli', logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel) });
    const reporter = new ImportProgressReporter();
    let printed = 0;
    const abort = new AbortController();
    const onSignal = () => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      const summary = await importFile(
        ctx,
        file,
        {
          format: format as FormatId | undefined,
          reindex: values.reindex ?? false,
          batchSize,
          threads,
          limit,
          source: values.source,
          observedAt,
          keepDemo: values['keep-demo'] ?? false,
          withholdCategories: values['withhold-categories'] ?? false,
          classifyNiches: !(values['no-niches'] ?? false),
          nicheModelFile: nicheModelPath(config),
          signal: abort.signal,
          onBadRow: (row) => {
            if (printed++ >= MAX_PRINTED_BAD_ROWS) return;
            reporter.interrupt();
            console.error(`line ${row.line}: ${row.reason}`);
          },
        },
        (p) => reporter.update(p),
      );
      reporter.finish();
      if (summary.skipped > MAX_PRINTED_BAD_ROWS) {
        console.error(`… and ${summary.skipped - MAX_PRINTED_BAD_ROWS} more bad row(s)`);
      }
      console.log(formatSummary(summary));
      return 0;
    } catch (err) {
      reporter.finish();
      if (err instanceof ImportFormatError || err instanceof IndexEmbedderMismatchError) {
        console.error(`scout import: ${err.message}`);
        return 1;
      }
      if (err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'EISDIR')) {
        console.error(`scout import: cannot read ${file}: ${err.message}`);
        return 1;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      await ctx.close();
    }
  },
};
export default command;
