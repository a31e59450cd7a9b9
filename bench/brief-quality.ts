/**
 * Natural-language briefs through the real pipeline on a label-blind index, P@10 / P@25 per brief
 * against the labels in FILE (the index must have been imported with --withhold-categories).
 * Compares embedders: run it once per index, e.g.
 *   EMBEDDINGS_PROVIDER=wordvec DATA_DIR=… DATABASE_URL=… node --import tsx bench/brief-quality.ts FILE
 */
import { createContext } from '../src/app/context.js';
import { createLogger } from '../src/app/logger.js';
import { loadConfig } from '../src/config.js';
import type { CreatorKey } from '../src/domain/creator.js';
import { newJobId } from '../src/domain/ids.js';
import { emptyMeta } from '../src/domain/job.js';
import type { JobParams, RankedResult } from '../src/domain/job.js';
import { kimNiches, readLabels } from '../src/eval/search-quality.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import type { CandidateSummary } from '../src/pipeline/search.stage.js';
import { createApiKey } from '../src/services/api-keys.service.js';

/** [niche, brief]: product first, several clauses, some German and Spanish, product ≠ audience in several */
export const briefs: [string, string][] = [
  ['fitness', 'We sell a whey protein powder with 25 g protein per scoop and want creators who post their gym workouts and training progress.'],
  ['fitness', 'Smart jump rope with an app that counts calories, for people who love HIIT, running and home workouts.'],
  ['fitness', 'Wir verkaufen vegane Proteinriegel und suchen Fitness-Creator, die ihr Training im Fitnessstudio zeigen.'],
  ['pet', 'Grain-free dog food made from fresh salmon; looking for dog owners who share daily life with their puppies.'],
  ['pet', 'Eco-friendly clumping cat litter made from tofu: find cat lovers who post about their cats at home.'],
  ['pet', 'Nachhaltiges Hundefutter aus Deutschland – wir suchen Hundebesitzer, die ihren Alltag mit ihrem Hund teilen.'],
  ['beauty', 'Our vitamin C serum and hyaluronic moisturiser need skincare creators who show their morning routine.'],
  ['beauty', 'Marca de maquillaje vegano: buscamos creadoras de belleza que muestren tutoriales de maquillaje.'],
  ['fashion', "Men's streetwear label launching oversized hoodies and sneakers; we want style creators who post their outfits."],
  ['fashion', 'Marca de bolsos y zapatos de cuero hechos a mano; buscamos influencers de moda que compartan sus looks.'],
  ['food', 'A cast-iron skillet and kitchen knife set for home cooks; creators who share recipes and dinner ideas.'],
  ['food', 'Aceite de oliva virgen extra de Andalucía; buscamos creadores de recetas y cocina casera.'],
  ['travel', 'Boutique hotel chain in Portugal looking for travel creators who post about beaches, road trips and city breaks.'],
  ['travel', 'Aerolínea de bajo coste busca creadores de viajes que compartan destinos, playas y aventuras.'],
  ['interior', 'Scandinavian furniture brand with sofas, lamps and shelves; we want creators who style their apartment and post home decor.'],
  ['interior', 'Wir stellen handgemachte Keramikvasen und Kissen her und suchen Creator für Wohnen, Einrichtung und Interior Design.'],
  ['family', 'A lightweight stroller for newborns; looking for parents who share everyday moments with their babies and toddlers.'],
  ['family', 'Bio-Babynahrung im Glas: wir suchen Eltern und Mama-Blogger, die über ihr Familienleben mit Kindern posten.'],
];

const file = process.argv[2];
if (!file) throw new Error('usage: bench/brief-quality.ts LABELLED_FILE [--niche-words]');
// --niche-words: the niche words themselves as briefs (what `scout eval` runs), with the search-stage numbers
const set: [string, string][] = process.argv[3] === '--niche-words' ? kimNiches.map((n) => [n, n]) : briefs;
const config = loadConfig();
const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn', { role: 'cli' }) });
try {
  const labels = await readLabels(file);
  const { row } = await createApiKey(ctx.repos.apiKeys, { name: 'brief-quality' });
  const rows: { niche: string; p10: number; p25: number; s25: number; share: number; ms: number; brief: string }[] = [];
  const cpu0 = process.cpuUsage();
  for (const [niche, brief] of set) {
    const params: JobParams = { brief, platforms: null, filters: {}, topK: 25, candidateLimit: 150, excludeKeys: [], webhookUrl: null };
    const jobId = newJobId();
    await ctx.repos.jobs.insert({ id: jobId, apiKeyId: row.id, params, meta: emptyMeta() });
    const t0 = performance.now();
    const outcome = await runPipeline(ctx, jobId);
    const ms = performance.now() - t0;
    if (outcome.status !== 'completed') throw new Error(`"${brief}" ended ${outcome.status}`);
    const final = (await ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final'))?.data ?? [];
    const hit = final.map((r) => labels.get(`${r.platform}:${r.handle}` as CreatorKey)?.includes(niche) ?? false);
    const p = (k: number) => hit.slice(0, k).filter(Boolean).length / k;
    // where relevance is lost: the search stage's candidates, in search order, before scoring
    const candidates = (await ctx.repos.artifacts.get<CandidateSummary[]>(jobId, 'candidates'))?.data ?? [];
    const inNiche = candidates.map((c) => labels.get(c.key)?.includes(niche) ?? false);
    const s25 = inNiche.slice(0, 25).filter(Boolean).length / 25;
    const share = inNiche.filter(Boolean).length / Math.max(1, candidates.length);
    rows.push({ niche, p10: p(10), p25: p(25), s25, share, ms, brief });
    console.log(
      `${niche.padEnd(9)} P@10 ${p(10).toFixed(2)}  P@25 ${p(25).toFixed(2)}  search P@25 ${s25.toFixed(2)}  candidates in niche ${share.toFixed(2)}  ${Math.round(ms)} ms  ${brief.slice(0, 60)}`,
    );
  }
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
  const niches = [...new Set(rows.map((r) => r.niche))];
  for (const n of niches) {
    const of = rows.filter((r) => r.niche === n);
    console.log(
      `  ${n.padEnd(9)} P@10 ${mean(of.map((r) => r.p10)).toFixed(2)}  P@25 ${mean(of.map((r) => r.p25)).toFixed(2)}  search P@25 ${mean(of.map((r) => r.s25)).toFixed(2)}  candidates ${mean(of.map((r) => r.share)).toFixed(2)}`,
    );
  }
  console.log(`  mean      P@10 ${mean(rows.map((r) => r.p10)).toFixed(3)}  P@25 ${mean(rows.map((r) => r.p25)).toFixed(3)}  search P@25 ${mean(rows.map((r) => r.s25)).toFixed(3)}  candidates ${mean(rows.map((r) => r.share)).toFixed(3)}  job ${Math.round(mean(rows.map((r) => r.ms)))} ms wall, ${Math.round(cpuMs(process.cpuUsage(cpu0)) / rows.length)} ms CPU of this process  rss ${Math.round(process.memoryUsage().rss / 1e6)} MB  embedder ${ctx.providers.embedder.id}`);
  await ctx.repos.apiKeys.revoke(row.id);
} finally {
  await ctx.close();
}
