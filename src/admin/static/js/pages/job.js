import { api } from '../api.js';
import { badge, card, errorBox, fmt, h, json, kv, table } from '../dom.js';
import { link } from '../nav.js';

function compact(data) {
  const text = JSON.stringify(data ?? {});
  return text === '{}' ? '' : text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

function timeline(events) {
  if (events.length === 0) return h('p', { class: 'muted' }, 'No events yet.');
  const t0 = Date.parse(events[0].created_at);
  return h(
    'ol',
    { class: 'timeline', id: 'timeline' },
    events.map((e) =>
      h(
        'li',
        { 'data-seq': e.seq },
        h('span', { class: 'muted mono' }, `#${e.seq}`),
        h('span', { class: 'mono small' }, `+${fmt.ms(Date.parse(e.created_at) - t0)}`),
        h('span', null, badge(e.type, ['completed', 'failed', 'warning'].includes(e.type) ? e.type : 'event')),
        h('span', { class: 'data' }, compact(e.data)),
      ),
    ),
  );
}

/** A bar whose width depends on data: set through CSSOM, which the page's CSP allows (inline style attributes it does not). */
function widthBar(className, width, unit) {
  const el = h('span', { class: className });
  el.style.width = `${width}${unit}`;
  return el;
}

function callsTable(calls, total) {
  const longest = Math.max(1, ...calls.map((c) => c.duration_ms));
  const units = (u) => Object.entries(u ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  return table(
    [
      { label: '#', cell: (c) => String(c.id), num: true },
      { label: 'Service', cell: (c) => c.service },
      { label: 'Operation', cell: (c) => c.operation },
      { label: 'Status', cell: (c) => [badge(c.status), c.http_status ? h('span', { class: 'muted small' }, ` ${c.http_status}`) : null] },
      {
        label: 'Duration',
        num: true,
        cell: (c) => h('div', { class: 'bar-cell' }, widthBar('bar', Math.max(2, Math.round((c.duration_ms / longest) * 80)), 'px'), fmt.ms(c.duration_ms)),
      },
      { label: 'Units', cell: (c) => h('span', { class: 'mono small' }, units(c.units)) },
      { label: 'Cost', cell: (c) => fmt.usd(c.cost_usd), num: true },
      { label: 'Error', cell: (c) => c.error ?? '' },
    ],
    calls,
    {
      empty: 'No external calls recorded for this job.',
      attrs: { id: 'calls-table' },
      extraRows: calls.length
        ? h(
            'tr',
            { class: 'total' },
            h('td', { colspan: 4 }, `${total.count} calls`),
            h('td', { class: 'num' }, fmt.ms(total.duration_ms)),
            h('td'),
            h('td', { class: 'num', 'data-total-cost': total.cost_usd }, fmt.usd(total.cost_usd)),
            h('td'),
          )
        : [],
    },
  );
}

function resultsTable(rows) {
  return table(
    [
      { label: 'Rank', cell: (r) => String(r.rank ?? ''), num: true },
      { label: 'Creator', cell: (r) => `${r.platform ?? ''}:${r.handle ?? ''}` },
      { label: 'Name', cell: (r) => r.display_name ?? '' },
      { label: 'Fit', cell: (r) => String(r.fit_score ?? ''), num: true },
      { label: 'Followers', cell: (r) => fmt.int(r.followers), num: true },
      { label: 'Rationale', cell: (r) => r.rationale ?? '', className: 'brief' },
    ],
    rows.slice(0, 100),
  );
}

function artifactsViewer(jobId, artifacts) {
  if (artifacts.length === 0) return h('p', { class: 'muted' }, 'No artifacts yet.');
  const view = h('div', { id: 'artifact-view' }, h('p', { class: 'muted' }, 'Pick an artifact to view it.'));
  const show = async (kind, button) => {
    for (const b of button.parentElement.querySelectorAll('button')) b.classList.remove('primary');
    button.classList.add('primary');
    view.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    try {
      const a = await api(`/jobs/${jobId}/artifacts/${kind}`);
      const rows = Array.isArray(a.data) ? a.data : Array.isArray(a.data?.results) ? a.data.results : null;
      view.replaceChildren(
        h('p', { class: 'muted small' }, `${kind} · updated ${fmt.time(a.updated_at)} UTC`),
        rows && rows.length && typeof rows[0] === 'object' && 'handle' in rows[0] ? resultsTable(rows) : null,
        h('details', { open: rows ? null : true }, h('summary', null, 'Raw JSON'), json(a.data)),
      );
    } catch (err) {
      view.replaceChildren(errorBox(err));
    }
  };
  return [
    h(
      'div',
      { class: 'row', id: 'artifact-kinds' },
      artifacts.map((a) => {
        const b = h('button', { type: 'button', 'data-kind': a.kind }, `${a.kind} (${fmt.bytes(a.bytes)})`);
        b.addEventListener('click', () => void show(a.kind, b));
        return b;
      }),
    ),
    view,
  ];
}

function retryButton(job, reload) {
  const b = h('button', { type: 'button', id: 'retry-job', class: 'primary' }, 'Retry job');
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api(`/jobs/${job.id}/retry`, { method: 'POST' });
      await reload();
    } catch (err) {
      b.after(errorBox(err));
      b.disabled = false;
    }
  });
  return b;
}

export async function renderJob({ params: [id], reload }) {
  const d = await api(`/jobs/${id}`);
  const { job } = d;
  const p = job.params ?? {};
  const m = job.meta ?? {};
  const page = [
    h('p', { class: 'small' }, h('a', { href: link('jobs') }, '← All jobs')),
    h(
      'div',
      { class: 'spread' },
      h('h1', { class: 'job-title' }, job.id, badge(job.status)),
      job.status === 'failed' ? retryButton(job, reload) : null,
      job.status === 'completed'
        ? h('a', { class: 'button', id: 'download-csv', href: `/admin/api/jobs/${encodeURIComponent(job.id)}/results.csv`, download: `${job.id}.csv` }, 'Download CSV')
        : null,
    ),
    job.error ? h('p', { class: 'flash flash-error', id: 'job-error' }, `${job.error.code}: ${job.error.message}`) : null,
    h(
      'div',
      { class: 'grid' },
      card(
        'Status',
        kv([
          ['Key', `${job.key_name ?? ''} (${job.api_key_id})`],
          ['Stage', job.stage ?? '—'],
          ['Progress', h('span', null, h('span', { class: 'progress' }, widthBar('', Math.round(job.progress * 100), '%')), ` ${Math.round(job.progress * 100)}%`)],
          ['Attempts', String(job.attempts)],
          ['Queue', d.queue ? `${d.queue.state === 'absent' ? 'not in the queue' : d.queue.state}${d.queue.failed_reason ? ` — ${d.queue.failed_reason}` : ''}` : 'unavailable'],
          ['Created', `${fmt.time(job.created_at)} UTC`],
          ['Started', job.started_at ? `${fmt.time(job.started_at)} UTC` : '—'],
          ['Finished', job.finished_at ? `${fmt.time(job.finished_at)} UTC` : '—'],
          ['Duration', fmt.ms(job.duration_ms)],
        ]),
      ),
      card(
        'Counters',
        kv([
          ['Candidates', fmt.int(m.candidates)],
          ['Enriched', fmt.int(m.enriched)],
          ['Scored', fmt.int(m.scored)],
          ['Cache hits', fmt.int(m.cache_hits)],
          ['Cost', fmt.usd(m.cost_usd)],
          m.fallback_batches ? ['Fallback batches', fmt.int(m.fallback_batches)] : null,
          m.stale_profiles ? ['Stale profiles', fmt.int(m.stale_profiles)] : null,
        ]),
      ),
    ),
    card(
      'Parameters',
      kv([
        ['Brief', h('div', { class: 'pre', id: 'job-brief' }, p.brief ?? '')],
        ['Platforms', (p.platforms ?? ['all']).join(', ')],
        ['Filters', h('span', { class: 'mono small' }, JSON.stringify(p.filters ?? {}))],
        ['Top k', String(p.topK ?? '')],
        ['Candidate limit', String(p.candidateLimit ?? '')],
        p.excludeKeys?.length ? ['Excluded', p.excludeKeys.join(', ')] : null,
        p.webhookUrl ? ['Webhook', p.webhookUrl] : null,
      ]),
    ),
    card(`Timeline (${d.events.length} events${d.events_truncated ? ', first page' : ''})`, timeline(d.events)),
    card(`External calls — ${fmt.usd(d.calls_total.cost_usd)}`, callsTable(d.calls, d.calls_total)),
    card('Artifacts', artifactsViewer(job.id, d.artifacts)),
  ];
  return page;
}
