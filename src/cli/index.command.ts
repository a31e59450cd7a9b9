import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { parseCreatorKey } from '../domain/creator.js';
import type { CreatorKey } from '../domain/creator.js';
import { DEMO_SOURCE } from '../import/demo-source.js';
import { ageBands } from '../providers/search-index/index-stats.js';
import { indexStatus, optimizeIndex, removeCreators } from '../services/creator-index.service.js';
import type { IndexStatus } from '../services/creator-index.service.js';
import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';

const usage = 'scout index status [--json]\n       scout index remove --source NAME | --handle PLATFORM:HANDLE [--handle …]';

/** What the creator index holds, and removing creators from it: the operator's view of the index. */
const command: Command = {
  name: 'index',
  summary:
    'Show what the creator index holds (counts by source and platform, embedder, disk size, last optimisation, freshness)\n' +
    'or remove creators by import source or by handle.',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'status') return status(rest);
    if (sub === 'remove') return remove(rest);
    throw new UsageError(sub ? `unknown sub-command "${sub}"` : 'expected a sub-command: status or remove');
  },
};
export default command;

async function status(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } }, false);
  const config = loadConfig();
  const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn', { role: 'cli' }) });
  try {
    const s = await indexStatus(ctx, { maxAgeDays: config.profiles.maxAgeDays });
    console.log(values.json ? JSON.stringify(s, null, 2) : formatStatus(s));
    return 0;
  } finally {
    await ctx.close();
  }
}

async function remove(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { source: { type: 'string' }, handle: { type: 'string', multiple: true } }, false);
  const handles = values.handle ?? [];
  if ((values.source === undefined) === (handles.length === 0)) throw new UsageError('give either --source NAME or one or more --handle PLATFORM:HANDLE');
  const keys: CreatorKey[] = [];
  for (const h of handles) {
    const parsed = parseCreatorKey(h);
    if (!parsed) throw new UsageError(`--handle "${h}" is not PLATFORM:HANDLE (instagram, tiktok or youtube, e.g. instagram:some_creator)`);
    keys.push(`${parsed.platform}:${parsed.handle}`);
  }
  const config = loadConfig();
  const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn', { role: 'cli' }) });
  try {
    const removed = await removeCreators(ctx, values.source !== undefined ? { source: values.source } : { keys });
    // a whole source leaves many deleted rows behind: compact them away now
    if (values.source !== undefined && removed > 0) await optimizeIndex(ctx);
    const what = values.source !== undefined ? `from source "${values.source}"` : `of ${keys.length} handle(s)`;
    console.log(`removed ${fmt(removed)} creator(s) ${what}; the index now holds ${fmt(await ctx.providers.index.count())}`);
    return 0;
  } finally {
    await ctx.close();
  }
}

export function formatStatus(s: IndexStatus): string {
  const { info, stats } = s;
  const f = stats.freshness;
  const sources = Object.entries(stats.bySource).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  // the demo is always listed, so "0 demo" is visible after a real import
  if (!Object.hasOwn(stats.bySource, DEMO_SOURCE)) sources.push([DEMO_SOURCE, 0]);
  const width = Math.max(...sources.map(([name]) => name.length));
  const platformsOf = (source: string) =>
    Object.entries(stats.bySourcePlatform[source] ?? {})
      .map(([p, n]) => `${p} ${fmt(n)}`)
      .join(', ');
  const lines = [
    `index       ${info.backend} (${s.location})`,
    `embedder    ${info.embedder ?? '—'}${info.dimension ? `, ${info.dimension} dimensions` : ''}`,
    `creators    ${fmt(stats.count)}`,
    'by source',
    ...sources.map(([name, n]) => `  ${name.padEnd(width)}  ${fmt(n).padStart(9)}${n > 0 ? `  (${platformsOf(name)})` : ''}`),
    `by platform ${Object.entries(stats.byPlatform).map(([p, n]) => `${p} ${fmt(n)}`).join(', ') || '—'}`,
    `disk        ${stats.diskBytes === null ? 'kept by the server (Weaviate)' : bytes(stats.diskBytes)}`,
    `optimised   ${s.optimizes ? (s.lastOptimizedAt ?? 'never recorded') : 'not needed (the server maintains its indexes)'}`,
    `freshness   observed_at ${f.oldest ? `${day(f.oldest)} … ${day(f.newest!)}` : '—'}; ` +
      `stale (older than ${f.maxAgeDays} days, PROFILE_MAX_AGE_DAYS) ${fmt(f.stale)} of ${fmt(stats.count)}`,
    `  by age    ${ageBands.map((b) => `${b.label} ${fmt(f.byAge[b.label] ?? 0)}`).join(' · ')}`,
    `  based on  ${Object.entries(f.byBasis).map(([b, n]) => `${b} ${fmt(n)}`).join(', ') || '—'}`,
    `real data   ${s.realDataAt ? `since ${s.realDataAt}` : 'never written (demo only or empty)'}${s.demoRemovedAt ? `; demo removed ${s.demoRemovedAt}` : ''}`,
  ];
  return lines.join('\n');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
