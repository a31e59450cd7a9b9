import { api } from '../api.js';
import { badge, card, errorBox, fmt, h, table } from '../dom.js';
import { link } from '../nav.js';

const COUNTS = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'];

function retryButton(entry, reload) {
  const b = h('button', { type: 'button', 'data-retry': entry.id }, 'Retry');
  if (!['failed', 'pending', null].includes(entry.job_status)) {
    b.disabled = true;
    b.title = `the job is ${entry.job_status}`;
  }
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api(`/jobs/${entry.id}/retry`, { method: 'POST' });
      await reload();
    } catch (err) {
      b.after(errorBox(err));
      b.disabled = false;
    }
  });
  return b;
}

export async function renderQueue({ reload }) {
  const q = await api('/queue?limit=50');
  const refresh = h('button', { type: 'button', id: 'refresh-queue' }, 'Refresh');
  refresh.addEventListener('click', () => void reload());
  return [
    h('div', { class: 'spread' }, h('h1', null, 'Queue'), refresh),
    h(
      'div',
      { class: 'grid', id: 'queue-counts' },
      COUNTS.map((k) =>
        h('section', { class: 'card', 'data-count': k }, h('div', { class: 'stat-title' }, k), h('div', { class: 'big' }, fmt.int(q.counts[k] ?? 0))),
      ),
    ),
    card(
      'Failed queue entries',
      h('p', { class: 'muted small' }, 'Retrying sets a failed job back to pending and queues it again. Finished queue entries expire after 7 days.'),
      table(
        [
          { label: 'Job', cell: (e) => h('a', { href: link(`jobs/${e.id}`), class: 'mono' }, e.id) },
          { label: 'Job status', cell: (e) => (e.job_status ? badge(e.job_status) : h('span', { class: 'muted' }, 'deleted')) },
          { label: 'Reason', cell: (e) => e.failed_reason ?? '', className: 'brief' },
          { label: 'Attempts', cell: (e) => fmt.int(e.attempts_made), num: true },
          { label: 'Failed at (UTC)', cell: (e) => fmt.time(e.finished_at), nowrap: true },
          { label: '', cell: (e) => retryButton(e, reload) },
        ],
        q.failed,
        { empty: 'No failed entries.', attrs: { id: 'failed-table' } },
      ),
    ),
  ];
}
