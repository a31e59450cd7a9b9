// DOM helpers for the dashboard. Text always goes in through text nodes (never innerHTML), so
// whatever users typed into briefs or what artifacts contain is shown, never interpreted.

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function applyAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

/** h('a', { href: '#/jobs', class: 'x' }, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

const intFmt = new Intl.NumberFormat('en-US');
export const fmt = {
  int: (n) => (n === null || n === undefined ? '—' : intFmt.format(n)),
  usd: (n) => {
    if (n === null || n === undefined) return '—';
    if (n === 0) return '$0.00';
    if (Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
    return `$${n.toFixed(2)}`;
  },
  pct: (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`),
  ms: (ms) => {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    const m = Math.floor(ms / 60_000);
    return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
  },
  /** UTC, to the second: the dashboard and the database agree on one clock */
  time: (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '—'),
  day: (iso) => (iso ? iso.slice(0, 10) : '—'),
  bytes: (n) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`),
};

export function badge(text, kind = text) {
  return h('span', { class: `badge ${kind}` }, text);
}

/**
 * columns: [{ label, cell: (row) => node | text, num?: true, nowrap?: true, className? }]; extraRows are
 * appended as-is.
 */
export function table(columns, rows, opts = {}) {
  const head = h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null }, c.label)));
  const body = rows.length
    ? rows.map((r) => h('tr', opts.rowAttrs?.(r), columns.map((c) => h('td', { class: [c.num ? 'num' : '', c.nowrap ? 'nowrap' : '', c.className ?? ''].join(' ').trim() || null }, c.cell(r)))))
    : [h('tr', null, h('td', { class: 'empty', colspan: columns.length }, opts.empty ?? 'Nothing here yet.'))];
  return h('div', { class: 'table-wrap' }, h('table', opts.attrs, h('thead', null, head), h('tbody', null, body, opts.extraRows ?? [])));
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, children);
}

export function errorBox(err) {
  return h('p', { class: 'flash flash-error', role: 'alert' }, err?.message ?? String(err));
}

export function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function json(value) {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}

/** Query string from an object, leaving out empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const text = p.toString();
  return text ? `?${text}` : '';
}
