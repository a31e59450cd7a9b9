import { api } from '../api.js';
import { barChart } from '../charts.js';
import { card, fmt, h } from '../dom.js';
import { link } from '../nav.js';

const WINDOWS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];

function summaryCard(name, label, w) {
  return h(
    'section',
    { class: 'card', 'data-window': name },
    h('div', { class: 'stat-title' }, label),
    h('div', { class: 'big', 'data-stat': 'jobs' }, fmt.int(w.jobs), h('span', { class: 'muted small' }, ' jobs')),
    h(
      'dl',
      { class: 'stat-list' },
      h('dt', null, 'Success rate'),
      h('dd', { 'data-stat': 'success_rate' }, fmt.pct(w.success_rate)),
      h('dt', null, 'Completed / failed'),
      h('dd', { 'data-stat': 'outcomes' }, `${fmt.int(w.completed)} / ${fmt.int(w.failed)}`),
      h('dt', null, 'p50 duration'),
      h('dd', { 'data-stat': 'p50' }, fmt.ms(w.p50_ms)),
      h('dt', null, 'p95 duration'),
      h('dd', { 'data-stat': 'p95' }, fmt.ms(w.p95_ms)),
      h('dt', null, 'Estimated cost'),
      h('dd', { 'data-stat': 'cost' }, fmt.usd(w.cost_usd)),
      h('dt', null, 'of which import & calls without a job'),
      h('dd', { 'data-stat': 'cost_without_job' }, fmt.usd(w.cost_without_job_usd)),
    ),
  );
}

function bucketLabel(bucketSeconds) {
  return (p) => (bucketSeconds < 86_400 ? `${p.start.slice(5, 10)} ${p.start.slice(11, 16)}` : p.start.slice(5, 10));
}

export async function renderOverview({ query }) {
  const window = ['24h', '7d', '30d'].includes(query.get('window')) ? query.get('window') : '24h';
  const data = await api(`/overview?window=${window}`);
  const per = data.series.bucket_seconds === 3600 ? 'hour' : data.series.bucket_seconds === 86_400 ? 'day' : `${data.series.bucket_seconds / 3600} h`;
  const xLabel = bucketLabel(data.series.bucket_seconds);
  const queue = data.queue;

  return [
    h('div', { class: 'spread' }, h('h1', null, 'Overview'), h('span', { class: 'muted small' }, `Updated ${fmt.time(data.generated_at)} UTC`)),
    h('div', { class: 'grid' }, WINDOWS.map(([name, label]) => summaryCard(name, label, data.windows[name]))),
    queue
      ? card(
          'Queue now',
          h(
            'div',
            { class: 'row' },
            ['waiting', 'active', 'delayed', 'failed'].map((k) => h('span', null, h('span', { class: 'muted' }, `${k} `), h('strong', { 'data-queue': k }, fmt.int(queue[k] ?? 0)))),
            h('a', { href: link('queue') }, 'Queue details →'),
          ),
        )
      : null,
    h(
      'div',
      { class: 'spread' },
      h('h2', null, 'Trends'),
      h(
        'nav',
        { class: 'tabs', 'aria-label': 'Chart window' },
        WINDOWS.map(([name]) => h('a', { href: link('overview', { window: name }), 'aria-current': name === window ? 'true' : null }, name)),
      ),
    ),
    card(
      `Jobs per ${per}`,
      barChart({
        title: `Jobs per ${per}`,
        points: data.series.points,
        series: [
          { key: 'completed', label: 'completed' },
          { key: 'failed', label: 'failed' },
          { key: 'other', label: 'running / pending / cancelled' },
        ],
        xLabel,
        yFormat: (v) => fmt.int(Math.round(v)),
        integer: true,
      }),
    ),
    card(
      `Estimated cost per ${per} (USD)`,
      barChart({
        title: `Estimated cost per ${per}`,
        points: data.series.points,
        series: [{ key: 'cost_usd', label: 'cost', className: 's-cost' }],
        xLabel,
        yFormat: fmt.usd,
      }),
    ),
  ];
}
