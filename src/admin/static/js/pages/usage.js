import { api } from '../api.js';
import { barChart } from '../charts.js';
import { card, fmt, h, qs, table } from '../dom.js';
import { go, link } from '../nav.js';

/** Every day of the range, oldest first, so quiet days show as gaps in the chart. */
function days(from, to) {
  const out = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export async function renderUsage({ query }) {
  const current = { from: query.get('from') ?? '', to: query.get('to') ?? '', key: query.get('key') ?? '' };
  const [usage, keys] = await Promise.all([api(`/usage${qs(current)}`), api('/keys')]);

  const perDay = new Map(days(usage.from, usage.to).map((d) => [d, { day: d, jobs: 0, cost_usd: 0 }]));
  for (const r of usage.rows) {
    const p = perDay.get(r.day);
    if (p) {
      p.jobs += r.jobs;
      p.cost_usd += r.cost_usd;
    }
  }
  for (const r of usage.without_job ?? []) {
    const p = perDay.get(r.day);
    if (p) p.cost_usd += r.cost_usd;
  }
  const points = [...perDay.values()];
  const form = h(
    'form',
    {
      class: 'filters',
      id: 'usage-filters',
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        go('usage', { from: f.get('from'), to: f.get('to'), key: f.get('key') });
      },
    },
    h('label', null, 'From', h('input', { type: 'date', name: 'from', value: usage.from })),
    h('label', null, 'To', h('input', { type: 'date', name: 'to', value: usage.to })),
    h(
      'label',
      null,
      'API key',
      h(
        'select',
        { name: 'key' },
        h('option', { value: '' }, 'all keys'),
        keys.keys.map((k) => h('option', { value: k.id, selected: current.key === k.id }, `${k.name} (${k.prefix}…)`)),
      ),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
    h('a', { href: link('usage'), class: 'button' }, 'Last 30 days'),
  );

  return [
    h('h1', null, 'Usage'),
    card(null, form),
    h(
      'div',
      null,
      card('Jobs per day', barChart({ title: 'Jobs per day', points, series: [{ key: 'jobs', label: 'jobs' }], xLabel: (p) => p.day.slice(5), yFormat: (v) => fmt.int(Math.round(v)), integer: true })),
      card('Estimated cost per day', barChart({ title: 'Cost per day', points, series: [{ key: 'cost_usd', label: 'cost', className: 's-cost' }], xLabel: (p) => p.day.slice(5), yFormat: fmt.usd })),
    ),
    card(
      `Per key and day, ${usage.from} to ${usage.to} (UTC)`,
      usage.truncated ? h('p', { class: 'flash flash-error' }, 'Only the newest rows are shown; narrow the range.') : null,
      table(
        [
          { label: 'Day', cell: (r) => r.day },
          { label: 'Key', cell: (r) => r.key_name },
          { label: 'Jobs', cell: (r) => fmt.int(r.jobs), num: true },
          { label: 'Completed', cell: (r) => fmt.int(r.completed), num: true },
          { label: 'Failed', cell: (r) => fmt.int(r.failed), num: true },
          { label: 'Cancelled', cell: (r) => fmt.int(r.cancelled), num: true },
          { label: 'Cost', cell: (r) => fmt.usd(r.cost_usd), num: true },
        ],
        usage.rows,
        {
          empty: 'No jobs in this range.',
          attrs: { id: 'usage-table' },
          extraRows: [
            ...(usage.without_job ?? []).map((r) =>
              h('tr', { class: 'no-job' }, h('td', null, r.day), h('td', null, 'import & calls without a job'), h('td', { class: 'num muted' }, `${fmt.int(r.calls)} calls`), h('td', { colspan: 3 }), h('td', { class: 'num' }, fmt.usd(r.cost_usd))),
            ),
            usage.rows.length || (usage.without_job ?? []).length
              ? h('tr', { class: 'total' }, h('td', { colspan: 2 }, 'Total'), h('td', { class: 'num' }, fmt.int(usage.totals.jobs)), h('td', { colspan: 3 }), h('td', { class: 'num' }, fmt.usd(usage.totals.cost_usd + (usage.totals.cost_without_job_usd ?? 0))))
              : [],
          ],
        },
      ),
    ),
  ];
}
