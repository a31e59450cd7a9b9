import { existsSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { openEvalIndex } from '../eval/eval-index.js';
import { evaluateLookalikes } from '../eval/lookalike-quality.js';
import type { LookalikeQuality } from '../eval/lookalike-quality.js';
import { evaluateBriefs, kimNiches, naturalLanguageBriefs, nicheWordBriefs, readLabels } from '../eval/search-quality.js';
import type { BriefQuality, EvalBrief, QualityReport, QualitySummary } from '../eval/search-quality.js';
import { ImportProgressReporter } from '../import/progress.js';
import { createApiKey } from '../services/api-keys.service.js';
import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';

const DEFAULT_LABELS = '../shared/data/instagram-kim/profiles_with_captions.csv';

function positiveInt(name: string, v: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer 1–${max}, got "${v}"`);
  return n;
}

const command: Command = {
  name: 'eval',
  summary:
    'Measure match quality label-blind: import a labelled file into a temporary index with its labels withheld, run\n' +
    'natural-language brand briefs and niche words through the whole pipeline, and report precision@10/@k per brief, per\n' +
    'niche and overall, and where relevance is lost (search candidates vs final ranking). See docs/quality.md.',
  usage:
    'scout eval [--labels FILE] [--set nl|niche|all|lookalike] [--niches a,b] [--limit N] [--max-creators N]\n' +
    '           [--index-dir DIR [--rebuild]] [--no-niches] [--top-k 25] [--candidate-limit 150] [--briefs] [--json]\n' +
    `  --labels        labelled creator file (default ${DEFAULT_LABELS})\n` +
    '  --limit         run only the first N briefs of each set (a quick run)\n' +
    '  --max-creators  import only the first N creators of the file\n' +
    '  --index-dir     keep the temporary index in DIR and reuse it on the next run with the same file, limit and embedder\n' +
    '  --no-niches     import without niche inference (measures what it adds)\n' +
    '  --set lookalike lookalike jobs seeded with 3 creators labelled with a niche (2 per niche, no brief): the share of\n' +
    '                  results in that niche, and that no seed comes back',
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      {
        labels: { type: 'string' },
        set: { type: 'string' },
        niches: { type: 'string' },
        limit: { type: 'string' },
        'max-creators': { type: 'string' },
        'index-dir': { type: 'string' },
        rebuild: { type: 'boolean' },
        'no-niches': { type: 'boolean' },
        'top-k': { type: 'string' },
        'candidate-limit': { type: 'string' },
        briefs: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      false,
    );
    const topK = positiveInt('top-k', values['top-k'], 100) ?? 25;
    const candidateLimit = positiveInt('candidate-limit', values['candidate-limit'], 500) ?? 150;
    const limit = positiveInt('limit', values.limit);
    const maxCreators = positiveInt('max-creators', values['max-creators']);
    const set = values.set ?? 'all';
    if (!['nl', 'niche', 'all', 'lookalike'].includes(set)) throw new UsageError('--set must be nl, niche, all or lookalike');
    const niches = values.niches ? values.niches.split(',').map((s) => s.trim()).filter(Boolean) : [...kimNiches];
    const labelsFile = values.labels ?? DEFAULT_LABELS;
    if (!existsSync(labelsFile)) throw new UsageError(`labels file not found: ${labelsFile} (pass --labels FILE)`);
    if (values.rebuild && !values['index-dir']) throw new UsageError('--rebuild only applies with --index-dir');

    const pick = (bs: EvalBrief[]) => {
      const of = bs.filter((b) => niches.includes(b.niche));
      return limit ? of.slice(0, limit) : of;
    };
    const briefs = set === 'lookalike' ? [] : [
      ...(set === 'niche' ? [] : pick(naturalLanguageBriefs())),
      ...(set === 'nl' ? [] : pick(nicheWordBriefs(niches))),
    ];
    if (briefs.length === 0 && set !== 'lookalike') throw new UsageError('no brief selected');

    const config = loadConfig();
    const reporter = values.json ? null : new ImportProgressReporter();
    const evalIndex = await openEvalIndex(config, {
      labelsFile,
      indexDir: values['index-dir'],
      maxCreators,
      rebuild: values.rebuild ?? false,
      classifyNiches: !(values['no-niches'] ?? false),
      logger: createLogger('warn', { role: 'cli' }),
      onProgress: reporter ? (p) => reporter.update(p) : undefined,
    });
    reporter?.finish();
    const { ctx } = evalIndex;
    try {
      const labels = await readLabels(labelsFile);
      const { row } = await createApiKey(ctx.repos.apiKeys, { name: 'eval' });
      if (set === 'lookalike') {
        try {
          const jobs = await evaluateLookalikes(ctx, {
            apiKeyId: row.id,
            labels,
            niches,
            topK,
            trials: limit ?? 2,
            onJob: values.json ? undefined : (q) => console.log(lookalikeLine(q)),
          });
          printLookalikes(jobs, values.json ?? false, topK);
          return jobs.some((q) => q.seedsReturned > 0) ? 1 : 0;
        } finally {
          await ctx.repos.apiKeys.revoke(row.id);
        }
      }
      let report: QualityReport;
      try {
        report = await evaluateBriefs(ctx, {
          apiKeyId: row.id,
          briefs,
          labels,
          topK,
          candidateLimit,
          onBrief: values.json || !values.briefs ? undefined : (q) => console.log(briefLine(q, topK)),
        });
      } finally {
        await ctx.repos.apiKeys.revoke(row.id);
      }
      const index = {
        dir: values['index-dir'] ? evalIndex.dir : null,
        reused: !evalIndex.built,
        creators: await ctx.providers.index.count(),
        embedder: evalIndex.marker.embedder,
        labels: path.resolve(labelsFile),
        categoriesWithheld: true,
        import: evalIndex.marker.import,
      };
      if (values.json) {
        console.log(JSON.stringify({ index, ...report }, null, 2));
        return 0;
      }
      printReport(report, index);
      return 0;
    } finally {
      await evalIndex.close();
    }
  },
};
export default command;

const f2 = (x: number) => x.toFixed(2);

function lookalikeLine(q: LookalikeQuality): string {
  return (
    `  ${q.niche.padEnd(9)} seeds ${q.seeds.join(', ')}: ${q.results} results, ${f2(q.share)} in the niche ` +
    `(candidates ${f2(q.candidateShare)}), seeds returned ${q.seedsReturned} (${q.durationMs} ms)`
  );
}

function printLookalikes(jobs: LookalikeQuality[], json: boolean, topK: number): void {
  const niches = [...new Set(jobs.map((q) => q.niche))];
  const mean = (qs: LookalikeQuality[], f: (q: LookalikeQuality) => number) => qs.reduce((s, q) => s + f(q), 0) / Math.max(1, qs.length);
  const perNiche = niches.map((niche) => {
    const of = jobs.filter((q) => q.niche === niche);
    return { niche, jobs: of.length, share: mean(of, (q) => q.share), candidateShare: mean(of, (q) => q.candidateShare) };
  });
  const summary = { topK, jobs: jobs.length, share: mean(jobs, (q) => q.share), candidateShare: mean(jobs, (q) => q.candidateShare), seedsReturned: jobs.reduce((s, q) => s + q.seedsReturned, 0) };
  if (json) {
    console.log(JSON.stringify({ summary, perNiche, jobs }, null, 2));
    return;
  }
  console.log(`\nlookalike jobs (3 seeds, no brief, top ${topK}): share of results in the seeds' niche`);
  for (const n of perNiche) console.log(`  ${n.niche.padEnd(9)} ${f2(n.share)}  (candidates ${f2(n.candidateShare)}, ${n.jobs} jobs)`);
  console.log(`  ${'mean'.padEnd(9)} ${f2(summary.share)}  (candidates ${f2(summary.candidateShare)}); seeds returned: ${summary.seedsReturned}`);
}

function briefLine(q: BriefQuality, topK: number): string {
  return (
    `  ${q.id.padEnd(14)} P@10 ${f2(q.p10)}  P@${topK} ${f2(q.pk)}  candidates ${String(q.candidateHits).padStart(3)}/${String(q.candidates).padEnd(3)}` +
    ` ceiling ${f2(q.candidateCeiling)}  search-order ${f2(q.searchPk)}  niche-order ${f2(q.nichePk)}  (${q.durationMs} ms)`
  );
}

function printReport(
  report: QualityReport,
  index: { creators: number; embedder: string; reused: boolean; labels: string },
): void {
  const k = report.topK;
  console.log(
    `label-blind eval: ${index.creators} creators from ${index.labels}, categories withheld, embedder ${index.embedder}` +
      `${index.reused ? ' (kept index reused)' : ''}`,
  );
  console.log(
    `columns: P@10, P@${k} of the final ranking | search candidates (before scoring): share in the niche, ` +
      `ceiling = best P@${k} from them, P@${k} in search order, P@${k} ordered by inferred niche p`,
  );
  for (const s of report.sets) {
    console.log(`\n${s.set === 'nl' ? 'natural-language briefs' : 'niche words'} (${s.briefs})`);
    const row = (name: string, x: QualitySummary) =>
      `  ${name.padEnd(10)} ${f2(x.p10)}  ${f2(x.pk)} | ${f2(x.candidatePrecision)}  ${f2(x.candidateCeiling)}  ${f2(x.searchPk)}    ${f2(x.nichePk)}`;
    console.log(`  ${''.padEnd(10)} P@10  P@${k} | cand  ceil  search  niche`);
    for (const n of s.perNiche) console.log(row(n.niche, n));
    console.log(row('mean', s));
    if (s.worstNiche) console.log(`  worst niche: ${s.worstNiche.niche} ${f2(s.worstNiche.pk)}`);
  }
}
