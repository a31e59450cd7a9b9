import { parseCommandArgs, UsageError } from './command.js';
import type { Command } from './command.js';
import { createScoutClient, ScoutProblemError } from '@influencer-scout/client';
import type { StartJobRequest } from '@influencer-scout/client';

const command: Command = {
  name: 'run',
  summary: 'Start a scouting job over the HTTP API, follow its events live and print the shortlist.',
  usage:
    'scout run [--api-url URL] [--api-key KEY] [--top-k N] [--platform P]... [--country CC]... [--json] "BRIEF"\n' +
    '  --api-url defaults to $SCOUT_API_URL or http://127.0.0.1:8080; --api-key to $SCOUT_API_KEY',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      'api-url': { type: 'string' },
      'api-key': { type: 'string' },
      'top-k': { type: 'string' },
      platform: { type: 'string', multiple: true },
      country: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    const brief = positionals.join(' ').trim();
    if (!brief) throw new UsageError('a brief is required');
    const base = (values['api-url'] ?? process.env.SCOUT_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    const key = values['api-key'] ?? process.env.SCOUT_API_KEY;
    if (!key) throw new UsageError('an API key is required (--api-key or $SCOUT_API_KEY)');
    const client = createScoutClient({ baseUrl: base, apiKey: key });

    const body: StartJobRequest = { brief };
    if (values['top-k']) body.top_k = Number(values['top-k']);
    if (values.platform) body.platforms = values.platform as StartJobRequest['platforms'];
    if (values.country) body.filters = { countries: values.country };
    let jobId: string;
    try {
      jobId = (await client.startJob(body)).job_id;
    } catch (err) {
      if (!(err instanceof ScoutProblemError)) throw err;
      console.error(`start failed (${err.status}): ${err.detail}`);
      return 1;
    }
    const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
    log(`job ${jobId} started`);

    // The client resumes a dropped stream with Last-Event-ID and falls back to polling on its own.
    let terminal = '';
    for await (const event of client.watchJob(jobId)) {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'stage_started') log(`  ▸ ${String(data.stage)}`);
      else if (event.type === 'stage_completed') log(`  ✓ ${String(data.stage)} (${String(data.duration_ms ?? '?')} ms)`);
      else if (event.type === 'warning') log(`  ! ${String(data.message ?? '')}`);
      else if (event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') {
        terminal = event.type;
        if (event.type !== 'completed') log(`  ✗ ${event.type}: ${String(data.message ?? data.error ?? '')}`);
      }
    }
    if (terminal !== 'completed') return 1;

    const payload = await client.getResults(jobId);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      return 0;
    }
    for (const r of payload.results) {
      const er = r.engagement_rate === null ? '   –  ' : `${(r.engagement_rate * 100).toFixed(1).padStart(5)}%`;
      const followers = r.followers === null ? '–' : r.followers.toLocaleString('en-US');
      log(`${String(r.rank).padStart(3)}. ${String(r.fit_score).padStart(3)}  ${er}  ${followers.padStart(12)}  ${r.platform}:${r.handle}`);
      log(`        ${r.rationale}`);
    }
    return 0;
  },
};
export default command;
