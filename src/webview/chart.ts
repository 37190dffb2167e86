// EM against mean output tokens, drawn as SVG with DOM calls. A hand-written renderer instead of a
// chart library: it needs no eval or inline styles (the panel's CSP forbids both), takes its
// colours from the theme's CSS variables through classes in panel.css, and is a few KB where
// chart libraries weigh 60–200 KB for one scatter plot.
import type { SweepResult } from '../core/types';
import { formatEm, formatEmCount, formatMeanTokens } from '../shared/format';
import { chartLayout, diamondPoints, labelOffsetY, paretoFrontier, pointMarker, scaleLinear, type ChartPoint } from './chartGeometry';

const SVG = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Draws the chart into `box` (replacing what was there); a click on a point selects its policy. */
export function renderChart(box: HTMLElement, result: Omit<SweepResult, 'caseResults'>, selected: string | null, onSelect: (policy: string) => void): void {
  const width = Math.max(240, Math.floor(box.clientWidth || 300));
  const height = 190;
  const points: ChartPoint[] = result.rows.map((r) => ({ id: r.policy, x: r.meanTokens, y: r.em }));
  const layout = chartLayout(points, width, height);
  const { plot } = layout;
  const x = scaleLinear(layout.xDomain, [plot.left, plot.right]);
  const y = scaleLinear(layout.yDomain, [plot.bottom, plot.top]);
  const frontier = paretoFrontier(points);
  const onFrontier = new Set(frontier);
  const rec = result.recommendation?.policy;

  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart-svg' });
  svg.append(s('title', {}, `EM against mean output tokens for ${points.length} policies; Pareto frontier connected${rec ? `; recommended ${rec}` : ''}`));

  const grid = s('g', { class: 'grid' });
  for (const t of layout.yTicks) {
    const yy = y(t);
    grid.append(s('line', { x1: plot.left, x2: plot.right, y1: yy, y2: yy }));
    grid.append(s('text', { x: plot.left - 6, y: yy + 4, 'text-anchor': 'end', class: 'tick' }, formatEm(t).replace(/\.0$/, '')));
  }
  for (const t of layout.xTicks) {
    const xx = x(t);
    grid.append(s('line', { x1: xx, x2: xx, y1: plot.top, y2: plot.bottom }));
    grid.append(s('text', { x: xx, y: plot.bottom + 14, 'text-anchor': 'middle', class: 'tick' }, String(t)));
  }
  svg.append(grid);
  svg.append(s('text', { x: (plot.left + plot.right) / 2, y: height - 3, 'text-anchor': 'middle', class: 'axis-label' }, `mean output tokens (${result.tokenizer ?? result.encoding})`));
  svg.append(s('text', { x: 10, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 10 ${(plot.top + plot.bottom) / 2})` }, 'EM %'));

  const byId = new Map(points.map((p) => [p.id, p]));
  const path = frontier.map((id) => byId.get(id)!).map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`);
  if (path.length > 1) svg.append(s('polyline', { points: path.join(' '), class: 'frontier' }));

  const dots = s('g', { class: 'points' });
  for (const row of result.rows) {
    const p = byId.get(row.policy)!;
    const cx = x(p.x);
    const cy = y(p.y);
    const marker = pointMarker(row);
    const classes = ['point', onFrontier.has(row.policy) ? 'on-frontier' : '', row.policy === selected ? 'selected' : '', row.policy === 'full' ? 'baseline' : '', marker.shape === 'diamond' ? 'arm' : '', marker.hollow ? 'no-effect' : ''];
    const g = s('g', { class: classes.filter(Boolean).join(' '), 'data-policy': row.policy });
    if (row.policy === rec) g.append(s('circle', { cx, cy, r: 8, class: 'rec-ring' }));
    const r = row.policy === selected ? 5 : 4;
    g.append(marker.shape === 'diamond' ? s('polygon', { points: diamondPoints(cx, cy, r + 1.5), class: 'dot' }) : s('circle', { cx, cy, r, class: 'dot' }));
    const flag = row.noEffect ? ' (no effect: the setting looks ignored)' : '';
    g.append(s('title', {}, `${row.label}: ${formatMeanTokens(row.meanTokens)} tokens, EM ${formatEmCount(row.em, row.correct, result.cases)}${row.policy === rec ? ' (recommended)' : ''}${flag}`));
    g.addEventListener('click', () => onSelect(row.policy));
    dots.append(g);
  }
  svg.append(dots);
  const at = (id: string | undefined): { cx: number; cy: number } | undefined => {
    const p = id ? byId.get(id) : undefined;
    return p ? { cx: x(p.x), cy: y(p.y) } : undefined;
  };
  const label = (id: string | undefined, text: string, cls: string, taken?: { cx: number; cy: number }): void => {
    const p = at(id);
    if (!p) return;
    const anchor = p.cx > (plot.left + plot.right) / 2 ? 'end' : 'start';
    svg.append(s('text', { x: p.cx + (anchor === 'end' ? -10 : 10), y: p.cy + labelOffsetY(p, taken), 'text-anchor': anchor, class: cls }, text));
  };
  label('full', 'full', 'point-label');
  if (rec && rec !== 'full') label(rec, `★ ${result.rows.find((r) => r.policy === rec)?.label ?? rec}`, 'point-label rec-label', at('full'));

  const legend = document.createElement('p');
  legend.className = 'legend';
  const arms = result.rows.some((row) => row.arm !== undefined) ? ' Diamond: a provider setting (arm); hollow when it had no effect.' : '';
  legend.textContent = `Line: Pareto frontier (no policy is both cheaper and more accurate). Ring: recommendation.${arms} Click a point to select its row.`;
  box.replaceChildren(svg, legend);
}
