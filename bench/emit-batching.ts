import { readdirSync, readFileSync } from 'node:fs';
import type { Queryable } from '../src/db/pool.js';
import { newJobId } from '../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../src/domain/job.js';
import { EventsRepository } from '../src/repositories/events.repository.js';
import { JobEventsService } from '../src/stores/job-events.store.js';
import { benchContext } from './lib/bench-env.js';
import { flag, sleep } from './lib/results.js';
import { fmt, table } from './lib/stats.js';

/**
 * What writing job events costs, group commit against one statement per event, in one run:
 *
 *   bash scripts/node.sh bench/emit-batching.ts [--jobs=500] [--rounds=10] [--sequential=500]
 *
 * "burst": a round of `--jobs` emits called at once, one per job (as many workers progressing at
 * the same moment; what bench:sse does each round). "sequential": `--sequential` emits to one job,
 * each after the previous resolved (a lone emit, which group commit must not slow down). Each is
 * run both ways, interleaved round by round so the machine's load falls on both alike: "one by one"
 * is what `emit` did before group commit (EventsRepository.append, then one PUBLISH),
 * "group commit" is `JobEventsService.emit`. Per round: wall time, CPU of this process, CPU of the
 * Postgres backends of the bench's database (utime + stime from /proc, with the WAL writer), and
 * the statements sent. Prints medians over the rounds (the first two are warm-up).
 */
const JOBS = flag('jobs', 500);
const ROUNDS = flag('rounds', 10);
const SEQUENTIAL = flag('sequential', 500);

const t = await benchContext();
let statements = 0;
const counting: Queryable = {
  query: ((...args: Parameters<Queryable['query']>) => {
    statements++;
    return (t.ctx.pool.query as (...a: unknown[]) => unknown)(...args);
  }) as Queryable['query'],
};
const repo = new EventsRepository(counting);
const service = new JobEventsService(repo, t.ctx.redis, t.redisPrefix);

/** CPU ms of the Postgres processes serving the bench's database, and of the WAL writer. */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.startsWith('postgres:') || !(cmd.includes(` ${t.db.name} `) || cmd.includes('walwriter'))) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10; // USER_HZ = 100
}

const jobIds: string[] = [];
for (let j = 0; j < JOBS; j++) {
  const params = toJobParams(startJobSchema.parse({ brief: 'fitness creators for a protein bar launch' }));
  jobIds.push((await t.ctx.repos.jobs.insert({ id: newJobId(), apiKeyId: t.apiKeyId, params, meta: emptyMeta() })).id);
}

type Emit = (jobId: string, data: Record<string, unknown>) => Promise<unknown>;
const ways: [string, Emit][] = [
  [
    'one by one',
    async (jobId, data) => {
      const e = await repo.append(jobId, 'progress', data);
      const body = JSON.stringify({ type: e.type, data: e.data, created_at: e.createdAt.toISOString() });
      await t.ctx.redis.publish(service.channel, `${jobId} ${e.seq} ${body}`);
    },
  ],
  ['group commit', (jobId, data) => service.emit(jobId, 'progress', data)],
];
const shapes: [string, (emit: Emit, round: number) => Promise<unknown>][] = [
  ['burst', (emit, round) => Promise.all(jobIds.map((id) => emit(id, { t: Date.now(), round })))],
  [
    'sequential',
    async (emit, round) => {
      for (let i = 0; i < SEQUENTIAL; i++) await emit(jobIds[0]!, { t: Date.now(), round, i });
    },
  ],
];

interface Sample {
  wall: number;
  cpu: number;
  pg: number;
  statements: number;
}
const samples = new Map<string, Sample[]>();
for (let round = 0; round < ROUNDS + 2; round++) {
  for (const [shape, run] of shapes) {
    for (const [way, emit] of round % 2 ? [...ways].reverse() : ways) {
      await sleep(200);
      const [s0, c0, p0, w0] = [statements, process.cpuUsage(), postgresCpuMs(), performance.now()];
      await run(emit, round);
      const wall = performance.now() - w0;
      const cpu = process.cpuUsage(c0);
      // the backends' counters move with the scheduler tick: let the last of it land
      await sleep(100);
      if (round < 2) continue;
      const key = `${shape}\t${way}`;
      samples.set(key, [...(samples.get(key) ?? []), { wall, cpu: (cpu.user + cpu.system) / 1000, pg: postgresCpuMs() - p0, statements: statements - s0 }]);
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = [...samples].map(([key, s]) => {
  const [shape, way] = key.split('\t') as [string, string];
  const per = shape === 'burst' ? JOBS : SEQUENTIAL;
  const base = samples.get(`${shape}\tone by one`)!;
  return [
    `${shape} (${per} emits)`,
    way,
    median(s.map((x) => x.wall)),
    `${fmt(median(s.map((x) => x.wall)) / median(base.map((x) => x.wall)), 2)}×`,
    (median(s.map((x) => x.cpu)) * 1000) / per,
    (median(s.map((x) => x.pg)) * 1000) / per,
    median(s.map((x) => x.statements)),
  ];
});
console.log(`${ROUNDS} rounds, medians; Postgres CPU is counted in 10 ms ticks\n`);
console.log(table(['emits', 'way', 'wall ms', 'wall ÷ one by one', 'bench CPU µs per emit', 'Postgres CPU µs per emit', 'statements'], rows));
await service.close();
await t.cleanup();
process.exit(0);
