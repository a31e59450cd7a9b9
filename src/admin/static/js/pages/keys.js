import { api } from '../api.js';
import { badge, card, errorBox, fmt, h, table } from '../dom.js';

const intOrNull = (v) => (v === '' || v === null ? null : Number(v));

/** A new webhook secret (of a new key, or rotated), shown once like the CLI shows it. */
function secretPanel(title, secret) {
  return h(
    'section',
    { class: 'card new-key', id: 'new-webhook-secret' },
    h('h2', null, title),
    h('p', null, 'Webhooks to this key are signed with it; copy it now, it is not shown again.'),
    h('input', { type: 'text', readonly: true, value: secret, id: 'new-webhook-secret-value', 'aria-label': 'Webhook secret' }),
  );
}

/** Two clicks, like revoke: the first asks, the second rotates and shows the new secret once. */
function rotateSecretButton(key) {
  const b = h('button', { type: 'button', 'data-rotate-secret': key.id }, 'Rotate webhook secret');
  let armed = false;
  b.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      b.textContent = 'Confirm rotate';
      return;
    }
    b.disabled = true;
    try {
      const rotated = await api(`/keys/${key.id}/webhook-secret`, { method: 'POST' });
      document.getElementById('new-key-slot').replaceChildren(secretPanel(`New webhook secret for “${key.name}”`, rotated.webhook_secret));
      armed = false;
      b.textContent = 'Rotate webhook secret';
    } catch (err) {
      b.after(errorBox(err));
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** The new key, shown exactly once: it is not stored anywhere we could show it from again. */
function newKeyPanel(created) {
  const input = h('input', { type: 'text', readonly: true, value: created.key, id: 'new-key-value', 'aria-label': 'New API key' });
  const copy = h('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    input.select();
    await navigator.clipboard?.writeText(created.key).catch(() => {});
    copy.textContent = 'Copied';
  });
  return h(
    'section',
    { class: 'card new-key', id: 'new-key' },
    h('h2', null, `New key for “${created.api_key.name}”`),
    h('p', null, 'Copy it now: this is the only time it is shown. Only its hash is stored.'),
    input,
    copy,
    h('p', null, 'Its webhook secret (verifies the signature of this key’s webhooks; rotate it from the key list):'),
    h('input', { type: 'text', readonly: true, value: created.webhook_secret, id: 'new-key-webhook-secret', 'aria-label': 'Webhook secret' }),
  );
}

function createForm(defaults, onCreated) {
  const error = h('div');
  const form = h(
    'form',
    { class: 'filters', id: 'create-key' },
    h('label', null, 'Name', h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'acme-prod' })),
    h('label', null, 'Requests / min', h('input', { name: 'rate_limit_per_min', type: 'number', min: 1, placeholder: `default ${defaults.rate_limit_per_min}` })),
    h('label', null, 'Jobs / day', h('input', { name: 'daily_job_quota', type: 'number', min: 1, placeholder: `default ${defaults.daily_job_quota}` })),
    h('button', { type: 'submit', class: 'primary' }, 'Create key'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    error.replaceChildren();
    try {
      const created = await api('/keys', {
        method: 'POST',
        body: { name: f.get('name'), rate_limit_per_min: intOrNull(f.get('rate_limit_per_min')), daily_job_quota: intOrNull(f.get('daily_job_quota')) },
      });
      await onCreated(created);
    } catch (err) {
      error.replaceChildren(errorBox(err));
    }
  });
  return [form, error];
}

/** Revoking takes two clicks on the same button instead of a browser dialog. */
function revokeButton(key, reload) {
  const b = h('button', { type: 'button', class: 'danger', 'data-revoke': key.id }, 'Revoke');
  b.addEventListener('click', async () => {
    if (!b.classList.contains('confirm')) {
      b.classList.add('confirm');
      b.textContent = 'Confirm revoke';
      return;
    }
    b.disabled = true;
    try {
      await api(`/keys/${key.id}/revoke`, { method: 'POST' });
      await reload();
    } catch (err) {
      b.after(errorBox(err));
    }
  });
  return b;
}

function limitsEditor(key, defaults, reload) {
  const edit = h('button', { type: 'button', 'data-edit': key.id }, 'Limits');
  edit.addEventListener('click', () => {
    const rate = h('input', { type: 'number', min: 1, value: key.rate_limit_per_min ?? '', placeholder: `${defaults.rate_limit_per_min}`, 'aria-label': 'Requests per minute' });
    const quota = h('input', { type: 'number', min: 1, value: key.daily_job_quota ?? '', placeholder: `${defaults.daily_job_quota}`, 'aria-label': 'Jobs per day' });
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h('form', { class: 'row inline', 'data-limits': key.id }, rate, quota, save);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api(`/keys/${key.id}`, { method: 'PATCH', body: { rate_limit_per_min: intOrNull(rate.value), daily_job_quota: intOrNull(quota.value) } });
        await reload();
      } catch (err) {
        form.after(errorBox(err));
      }
    });
    edit.replaceWith(form);
  });
  return edit;
}

export async function renderKeys({ reload }) {
  const data = await api('/keys');
  const { defaults } = data;
  const slot = h('div', { id: 'new-key-slot' });
  const limit = (v, d) => (v === null ? h('span', { class: 'muted' }, `default (${fmt.int(d)})`) : fmt.int(v));
  const view = [
    h('h1', null, 'API keys'),
    slot,
    card(
      'Create a key',
      createForm(defaults, async (created) => {
        const page = await renderKeys({ reload });
        const root = document.getElementById('app');
        root.replaceChildren(...page);
        document.getElementById('new-key-slot').replaceChildren(newKeyPanel(created));
      }),
    ),
    card(
      'Keys',
      table(
        [
          { label: 'Name', cell: (k) => k.name },
          { label: 'Prefix', cell: (k) => h('span', { class: 'mono' }, `${k.prefix}…`) },
          { label: 'Status', cell: (k) => (k.revoked_at ? badge('revoked') : badge('active', 'active-key')) },
          { label: 'Created (UTC)', cell: (k) => fmt.time(k.created_at), nowrap: true },
          { label: 'Last used', cell: (k) => (k.last_used_at ? fmt.time(k.last_used_at) : 'never'), nowrap: true },
          { label: 'Req / min', cell: (k) => limit(k.rate_limit_per_min, defaults.rate_limit_per_min), num: true },
          { label: 'Jobs / day', cell: (k) => limit(k.daily_job_quota, defaults.daily_job_quota), num: true },
          { label: 'Jobs 24 h', cell: (k) => fmt.int(k.jobs_24h), num: true },
          { label: 'Cost 30 d', cell: (k) => fmt.usd(k.cost_30d_usd), num: true },
          { label: '', cell: (k) => (k.revoked_at ? null : h('div', { class: 'actions' }, limitsEditor(k, defaults, reload), rotateSecretButton(k), revokeButton(k, reload))) },
        ],
        data.keys,
        { empty: 'No API keys yet.', attrs: { id: 'keys-table' }, rowAttrs: (k) => ({ 'data-key': k.id, 'data-name': k.name }) },
      ),
    ),
  ];
  return view;
}
