import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { ApiKeysRepository } from '../repositories/api-keys.repository.js';
import { createApiKey, describeApiKey, revokeApiKey } from '../services/api-keys.service.js';
import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';

const usage = [
  'scout keys create --name NAME [--rate-limit N] [--daily-quota N] [--json]',
  '       scout keys list [--active] [--json]',
  '       scout keys revoke ID',
].join('\n');

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000) {
    throw new UsageError(`--${flag} must be an integer between 1 and 1000000`);
  }
  return n;
}

async function create(repo: ApiKeysRepository, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      name: { type: 'string' },
      'rate-limit': { type: 'string' },
      'daily-quota': { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is required');
  if (name.length > 100) throw new UsageError('--name must be at most 100 characters');
  const { key, row } = await createApiKey(repo, {
    name,
    rateLimitPerMin: positiveInt('rate-limit', values['rate-limit']),
    dailyJobQuota: positiveInt('daily-quota', values['daily-quota']),
  });
  if (values.json) {
    console.log(JSON.stringify({ ...describeApiKey(row), key, webhook_secret: row.webhookSecret }));
    return 0;
  }
  console.log(`created ${row.id} (${row.name})`);
  console.log(`api key:        ${key}`);
  console.log(`webhook secret: ${row.webhookSecret}`);
  console.log('Store both now: the key is shown only this once (the service keeps only its hash).');
  return 0;
}

async function list(repo: ApiKeysRepository, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { active: { type: 'boolean' }, json: { type: 'boolean' } }, false);
  const rows = (await repo.list({ includeRevoked: !values.active })).map(describeApiKey);
  if (values.json) {
    console.log(JSON.stringify(rows));
    return 0;
  }
  if (rows.length === 0) {
    console.log('no API keys');
    return 0;
  }
  const table = [
    ['ID', 'NAME', 'PREFIX', 'RATE/MIN', 'QUOTA/DAY', 'CREATED', 'LAST USED', 'STATUS'],
    ...rows.map((r) => [
      r.id,
      r.name,
      `${r.prefix}…`,
      r.rate_limit_per_min === null ? 'default' : String(r.rate_limit_per_min),
      r.daily_job_quota === null ? 'default' : String(r.daily_job_quota),
      r.created_at.slice(0, 19).replace('T', ' '),
      r.last_used_at ? r.last_used_at.slice(0, 19).replace('T', ' ') : '-',
      r.revoked_at ? 'revoked' : 'active',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  return 0;
}

/**
 * The same revocation as the dashboard's: the key stops working, its pending jobs are cancelled
 * with a reason, running ones stop at their next safe point and every API process ends its streams.
 */
async function revoke(config: Config, argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {});
  if (positionals.length !== 1) throw new UsageError('revoke takes exactly one key id');
  const id = positionals[0]!;
  const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn', { role: 'cli' }) });
  try {
    const row = await ctx.repos.apiKeys.get(id);
    if (!row) {
      console.error(`no API key with id ${id}`);
      return 1;
    }
    const { revokedNow, cancelled, stopping } = await revokeApiKey(ctx, id);
    const inFlight = `${cancelled} pending job(s) cancelled, ${stopping} running job(s) stop at their next checkpoint`;
    if (revokedNow) console.log(`revoked ${id}; ${inFlight}`);
    else console.error(`${id} was already revoked; ${inFlight}`);
    return 0;
  } finally {
    await ctx.close();
  }
}

const command: Command = {
  name: 'keys',
  summary: 'Create, list and revoke API keys. A new key is printed once; only its hash is stored.',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const actions: Record<string, (repo: ApiKeysRepository, argv: string[]) => Promise<number>> = { create, list };
    const action = sub === undefined || !Object.hasOwn(actions, sub) ? undefined : actions[sub];
    if (!action && sub !== 'revoke') throw new UsageError(sub ? `unknown keys sub-command "${sub}"` : 'a sub-command is required');
    const config = loadConfig();
    // revocation also stops the key's work in flight, which needs the queue, Redis and the event bus
    if (!action) return revoke(config, rest);
    const pool = createPool(config.database.url, 2);
    try {
      return await action(new ApiKeysRepository(pool), rest);
    } finally {
      await pool.end();
    }
  },
};
export default command;
