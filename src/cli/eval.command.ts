import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { evaluateNiches, kimNiches, readLabels } from '../eval/search-quality.js';
import { createApiKey } from '../services/api-keys.service.js';
import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';

const command: Command = {
  name: 'eval',
  summary:
    'Measure search quality: run each niche word as a brief through the whole pipeline and report precision@k against the creators\' category labels.',
  usage:
    'scout eval [--labels FILE] [--niches a,b,c] [--top-k 25] [--json]\n' +
    '  import labelled creators first with `scout import FILE`; for a label-blind measurement import with\n' +
    '  `scout import --withhold-categories FILE` and pass the same file as --labels',
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      {
        labels: { type: 'string' },
        niches: { type: 'string' },
        'top-k': { type: 'string' },
        json: { type: 'boolean' },
      },
      false,
    );
    const topK = values['top-k'] ? Number(values['top-k']) : 25;
    if (!Number.isInteger(topK) || topK < 1 || topK > 100) throw new UsageError('--top-k must be 1–100');
    const niches = values.niches ? values.niches.split(',').map((s) => s.trim()).filter(Boolean) : [...kimNiches];

    const config = loadConfig();
    const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn', { role: 'cli' }) });
    try {
      if ((await ctx.providers.index.count()) === 0) {
        throw new UsageError('the index is empty: import labelled creators first, e.g. `scout import ../shared/data/instagram-kim/profiles_with_captions.csv`');
      }
      const labels = values.labels ? await readLabels(values.labels) : undefined;
      const { row } = await createApiKey(ctx.repos.apiKeys, { name: 'eval' });
      const report = await evaluateNiches(ctx, { apiKeyId: row.id, niches, topK, labels });
      await ctx.repos.apiKeys.revoke(row.id);
      if (values.json) {
        console.log(JSON.stringify(report, null, 2));
        return 0;
      }
      console.log(`precision@${topK} of final results against category labels${labels ? ` from ${values.labels}` : ' in the index'}`);
      for (const n of report.niches) {
        console.log(`  ${n.niche.padEnd(10)} ${n.precision.toFixed(2)}  (${n.hits}/${topK}, ${n.durationMs} ms)`);
      }
      console.log(`  ${'mean'.padEnd(10)} ${report.meanPrecision.toFixed(2)}`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
export default command;
