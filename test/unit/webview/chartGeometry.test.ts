import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { chartLayout, diamondPoints, labelOffsetY, niceTicks, paretoFrontier, pointMarker, scaleLinear } from '../../../src/webview/chartGeometry';

describe('chart geometry', () => {
  it('keeps exactly the points no other point beats on both tokens and EM', () => {
    const points = [
      { id: 'full', x: 136, y: 0.91 },
      { id: 'cutoff:256', x: 136, y: 0.91 },
      { id: 'marker:0', x: 83, y: 0.908 },
      { id: 'cutoff:96', x: 92, y: 0.52 },
      { id: 'cutoff:16', x: 16, y: 0 },
      { id: 'cutoff:48', x: 48, y: 0.057 },
    ];
    assert.deepEqual(paretoFrontier(points), ['cutoff:16', 'cutoff:48', 'marker:0', 'full']);
  });

  it('frontier points are never dominated, and every other point is', () => {
    const pt = fc.record({ x: fc.integer({ min: 0, max: 50 }), y: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(fc.array(pt, { minLength: 1, maxLength: 30 }), (raw) => {
        const points = raw.map((p, i) => ({ id: String(i), x: p.x, y: p.y / 20 }));
        const front = new Set(paretoFrontier(points));
        const dominated = (p: (typeof points)[0]) => points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y));
        for (const p of points) if (front.has(p.id)) assert.ok(!dominated(p));
        for (const p of points) if (!front.has(p.id) && !dominated(p)) assert.ok(points.some((q) => q.x === p.x && q.y === p.y && front.has(q.id)));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('picks round ticks', () => {
    assert.deepEqual(niceTicks(0, 136, 5), [0, 50, 100]);
    assert.deepEqual(niceTicks(0, 136, 7), [0, 20, 40, 60, 80, 100, 120]);
    assert.deepEqual(niceTicks(0, 1, 4), [0, 0.5, 1]);
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(5, 5), [5]);
  });

  it('maps values to pixels and flips the EM axis', () => {
    const y = scaleLinear([0, 1], [180, 10]);
    assert.equal(y(0), 180);
    assert.equal(y(1), 10);
    const layout = chartLayout([{ id: 'a', x: 10, y: 0.5 }, { id: 'b', x: 136, y: 0.91 }], 400, 190);
    assert.deepEqual(layout.xDomain, [0, 150]);
    assert.deepEqual(layout.xTicks, [0, 50, 100, 150]);
    assert.ok(layout.yDomain[0] <= 0.5 && layout.yDomain[1] >= 0.91 && layout.yDomain[1] <= 1);
  });

  it('draws arms as diamonds, hollow when the setting had no effect; policies as circles', () => {
    assert.deepEqual(pointMarker({}), { shape: 'circle', hollow: false });
    assert.deepEqual(pointMarker({ arm: 'low' }), { shape: 'diamond', hollow: false });
    assert.deepEqual(pointMarker({ arm: 'x', noEffect: true }), { shape: 'diamond', hollow: true });
    assert.equal(diamondPoints(10, 20, 5.5), '10.0,14.5 15.5,20.0 10.0,25.5 4.5,20.0');
  });

  it('puts the recommendation\'s label below its point when the baseline\'s label sits just above it', () => {
    // R1 GSM8K: marker:0 (−0.2%) a few pixels left of full at the same EM; the two labels printed over each other.
    assert.equal(labelOffsetY({ cx: 600, cy: 40 }, { cx: 610, cy: 40 }), 18);
    assert.equal(labelOffsetY({ cx: 400, cy: 40 }, { cx: 610, cy: 40 }), -8);
    assert.equal(labelOffsetY({ cx: 600, cy: 120 }, { cx: 610, cy: 40 }), -8);
    assert.equal(labelOffsetY({ cx: 600, cy: 40 }), -8);
  });
});
