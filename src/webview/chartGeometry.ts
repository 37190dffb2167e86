/** A policy's point in the chart: x = mean output tokens (lower is better), y = EM (higher is better). */
export interface ChartPoint {
  id: string;
  x: number;
  y: number;
}

/**
 * Ids of the points on the Pareto frontier: no other point has fewer or equal tokens and higher or
 * equal EM with one of them strictly better. Returned in increasing token order.
 */
export function paretoFrontier(points: readonly ChartPoint[]): string[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const out: string[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.y > best) {
      out.push(p.id);
      best = p.y;
    }
  }
  return out;
}

/** About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/** A linear map from a domain to a pixel range. */
export function scaleLinear(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  xDomain: [number, number];
  yDomain: [number, number];
  xTicks: number[];
  yTicks: number[];
}

/**
 * Axes for EM (fractions) against mean tokens: x starts at 0, y spans the observed EM rounded out
 * to whole ticks, so small EM differences stay visible.
 */
export function chartLayout(points: readonly ChartPoint[], width: number, height: number): ChartLayout {
  const plot = { left: 40, top: 10, right: width - 12, bottom: height - 30 };
  const maxX = Math.max(1, ...points.map((p) => p.x));
  const ys = points.map((p) => p.y * 100);
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 100;
  if (hi - lo < 2) {
    lo -= 1;
    hi += 1;
  }
  const yTicksPct = niceTicks(lo, hi, 4);
  const step = yTicksPct.length > 1 ? yTicksPct[1] - yTicksPct[0] : 1;
  const y0 = Math.max(0, Math.floor(lo / step) * step);
  const y1 = Math.min(100, Math.ceil(hi / step) * step);
  const rough = niceTicks(0, maxX, Math.max(2, Math.floor(width / 80)));
  const xStep = rough.length > 1 ? rough[1] - rough[0] : maxX;
  const x1 = Math.ceil(maxX / xStep - 1e-9) * xStep;
  const xTicks = niceTicks(0, x1, Math.max(2, Math.floor(width / 80)));
  return {
    width,
    height,
    plot,
    xDomain: [0, x1],
    yDomain: [y0 / 100, y1 / 100],
    xTicks,
    yTicks: niceTicks(y0, y1, 4).map((t) => t / 100),
  };
}

/** How a row's point is drawn: a circle for a stop policy, a diamond for an arm (hollow when it had no effect). */
export function pointMarker(row: { arm?: string; noEffect?: true }): { shape: 'circle' | 'diamond'; hollow: boolean } {
  return row.arm === undefined ? { shape: 'circle', hollow: false } : { shape: 'diamond', hollow: row.noEffect === true };
}

/** The `points` attribute of a diamond of half-diagonal `r` centred on (cx, cy): top, right, bottom, left. */
export function diamondPoints(cx: number, cy: number, r: number): string {
  const f = (v: number): string => v.toFixed(1);
  return `${f(cx)},${f(cy - r)} ${f(cx + r)},${f(cy)} ${f(cx)},${f(cy + r)} ${f(cx - r)},${f(cy)}`;
}

/**
 * Where a point's label goes, in pixels from the point: above it, or below it when another label (`taken`, the
 * baseline's) sits above a point within `near` pixels, so the two labels do not print over each other.
 */
export function labelOffsetY(p: { cx: number; cy: number }, taken?: { cx: number; cy: number }, near = { dx: 140, dy: 16 }): number {
  const clash = taken !== undefined && Math.abs(p.cx - taken.cx) < near.dx && Math.abs(p.cy - taken.cy) < near.dy;
  return clash ? 18 : -8;
}
