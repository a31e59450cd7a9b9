// Hand-drawn SVG charts: stacked bars with a labelled y axis and a legend. No library, no CDN.
import { h, s } from './dom.js';

const W = 760;
const H = 210;
const M = { top: 12, right: 36, bottom: 28, left: 60 };
const TICKS = 4;

/** A round tick step (1, 2 or 5 × 10^n) so that TICKS steps cover `max`. */
function niceStep(max) {
  const raw = max / TICKS;
  if (raw <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * points: [{ ...values }]; series: [{ key, label, className? }] stacked bottom-up (CSS class
 * `s-<key>` unless given colours it); xLabel(point) names a bar; yFormat formats axis values; integer keeps ticks on whole numbers.
 */
export function barChart({ title, points, series, xLabel, yFormat = String, integer = false }) {
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - M.bottom;
  const totals = points.map((p) => series.reduce((sum, se) => sum + (Number(p[se.key]) || 0), 0));
  const max = Math.max(0, ...totals);
  const step = integer ? Math.max(1, Math.ceil(niceStep(max))) : niceStep(max);
  const top = step * TICKS;
  const y = (v) => M.top + innerH - (v / top) * innerH;

  const grid = [];
  for (let i = 0; i <= TICKS; i++) {
    const v = step * i;
    grid.push(
      s('line', { class: 'grid-line', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      s('text', { class: 'axis-label', x: M.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, yFormat(v)),
    );
  }

  const n = Math.max(points.length, 1);
  const slot = innerW / n;
  const barW = Math.max(1, slot * 0.72);
  const bars = points.map((p, i) => {
    let base = 0;
    const x = M.left + i * slot + (slot - barW) / 2;
    const segments = series.map((se) => {
      const v = Number(p[se.key]) || 0;
      if (v <= 0) return null;
      const rect = s(
        'rect',
        { class: se.className ?? `s-${se.key}`, x, y: y(base + v), width: barW, height: Math.max(0.5, y(base) - y(base + v)), rx: 1.5 },
        s('title', null, `${xLabel(p)} · ${se.label}: ${yFormat(v)}`),
      );
      base += v;
      return rect;
    });
    return s('g', { 'data-total': totals[i] }, segments);
  });

  const every = Math.max(1, Math.ceil(n / 8));
  const labels = points.map((p, i) =>
    i % every === 0
      ? s('text', { class: 'axis-label', x: M.left + i * slot + slot / 2, y: H - 8, 'text-anchor': 'middle' }, xLabel(p))
      : null,
  );

  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }, grid, bars, labels);
  const legend = h(
    'div',
    { class: 'legend' },
    series.map((se) => h('span', null, h('i', { class: se.className ?? `s-${se.key}` }), se.label)),
  );
  return h('figure', { class: 'chart-figure', 'data-chart': title }, svg, series.length > 1 ? legend : null);
}
