import { api } from '../api.js';
import { badge, card, fmt, h, qs, table } from '../dom.js';
import { go, link } from '../nav.js';

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'];
const FILTERS = ['status', 'key', 'from', 'to'];

function filtersForm(current, keys) {
  const select = (name, options, label) =>
    h(
      'label',
      null,
      label,
      h(
        'select',
        { name },
        h('option', { value: '' }, 'any'),
        options.map(([value, text]) => h('option', { value, selected: current[name] === value }, text)),
      ),
    );
  const date = (name, label) => h('label', null, label, h('input', { type: 'date', name, value: current[name] ?? '' }));
  return h(
    'form',
    {
      class: 'filters',
      id: 'job-filters',
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        go('jobs', Object.fromEntries(FILTERS.map((k) => [k, f.get(k)])));
      },
    },
    select('status', STATUSES.map((s) => [s, s]), 'Status'),
    select('key', keys.map((k) => [k.id, `${k.name} (${k.prefix}…)`]), 'API key'),
    date('from', 'Created from'),
    date('to', 'Created to'),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
    h('a', { href: link('jobs'), class: 'button' }, 'Reset'),
  );
}

export function jobsTable(jobs) {
  return table(
    [
      { label: 'Job', cell: (j) => h('a', { href: link(`jobs/${j.id}`), class: 'mono' }, j.id), nowrap: true },
      { label: 'Status', cell: (j) => [badge(j.status), j.status === 'running' && j.stage ? h('span', { class: 'muted small' }, ` ${j.stage}`) : null] },
      { label: 'Key', cell: (j) => j.key_name },
      { label: 'Brief', cell: (j) => j.brief, className: 'brief' },
      { label: 'Created (UTC)', cell: (j) => fmt.time(j.created_at), nowrap: true },
      { label: 'Duration', cell: (j) => fmt.ms(j.duration_ms), num: true },
      { label: 'Cost', cell: (j) => fmt.usd(j.cost_usd), num: true },
    ],
    jobs,
    { empty: 'No jobs match these filters.', attrs: { id: 'jobs-table' }, rowAttrs: (j) => ({ 'data-job': j.id }) },
  );
}

export async function renderJobs({ query }) {
  const current = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? '']));
  const cursor = query.get('cursor') ?? '';
  const [page, keys] = await Promise.all([api(`/jobs${qs({ ...current, cursor, limit: 25 })}`), api('/keys')]);
  return [
    h('h1', null, 'Jobs'),
    card(null, filtersForm(current, keys.keys)),
    card(
      null,
      jobsTable(page.jobs),
      h(
        'div',
        { class: 'pager' },
        cursor ? h('a', { class: 'button', href: link('jobs', current) }, '← Newest') : null,
        page.next_cursor ? h('a', { class: 'button', id: 'next-page', href: link('jobs', { ...current, cursor: page.next_cursor }) }, 'Older →') : null,
      ),
    ),
  ];
}
