import { describe, expect, it } from 'vitest';
import { renderChart } from '../../../scripts/loadtest/chart.js';
import { allElements, parseXml } from '../support/xml.js';
import { runResultFixture } from '../support/run-result-fixture.js';

const NUMBER = /^-?\d+(\.\d+)?$/;

describe('Function: renderChart', () => {
  const runs = [
    runResultFixture({ strategy: 'naive', rounds: 3, idp: { calls: 12, minted: 12, failed: 0, abandoned: 0, cutOffAtEnd: 0 } }),
    runResultFixture({ fault: { kind: 'kill-holder', description: 'killed', atMs: 4_000, recoveryMs: 900, recoveryBoundMs: 1_250 } }),
  ];

  it('produces well-formed SVG with a size a browser can lay out', () => {
    const root = parseXml(renderChart(runs));
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attributes.width).toMatch(NUMBER);
    expect(root.attributes.height).toMatch(NUMBER);
    expect(root.attributes.viewBox).toBe(`0 0 ${root.attributes.width} ${root.attributes.height}`);
  });

  it('names the Region of each process lane in a run across Regions', () => {
    const run = runResultFixture({
      settings: { ...runs[0]!.settings, processes: 5 },
      multiRegion: { primary: 'us-east-1', names: ['us-east-1', 'eu-west-1'], injectedLagMs: 1_000, perRegion: [] },
    });
    const texts = allElements(parseXml(renderChart([run])))
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    expect(texts).toContain('processes calling the IdP (lease holders) — us-east-1 (primary): p0 p2 p4; eu-west-1: p1 p3');
  });

  it('draws one panel per run with the three plots and the fault marker', () => {
    const root = parseXml(renderChart(runs));
    const panels = root.children.filter((child) => child.name === 'g');
    expect(panels).toHaveLength(2);
    const texts = (index: number) =>
      allElements(panels[index]!)
        .filter((e) => e.name === 'text')
        .map((e) => e.text);
    for (const index of [0, 1]) {
      expect(texts(index).some((t) => t.startsWith('IdP calls / versions'))).toBe(true);
      expect(texts(index).some((t) => t.startsWith('processes calling the IdP'))).toBe(true);
      expect(texts(index).some((t) => t.startsWith('getToken latency'))).toBe(true);
    }
    expect(texts(0)[0]).toContain('naive');
    expect(texts(1)).toContain('kill-holder');
    const bars = allElements(panels[1]!).filter((e) => e.name === 'rect' && e.attributes.fill === '#2ca02c');
    expect(bars).toHaveLength(3);
  });

  it('keeps every coordinate numeric and inside the canvas', () => {
    const root = parseXml(renderChart(runs));
    const width = Number(root.attributes.width);
    const height = Number(root.attributes.height);
    // Counted so that a chart with nothing to check cannot pass the loops below.
    let coordinates = 0;
    let polylines = 0;
    for (const element of allElements(root)) {
      for (const key of ['x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'width', 'height']) {
        const value = element.attributes[key];
        if (value === undefined) continue;
        coordinates += 1;
        expect(value, `${element.name}.${key}`).toMatch(NUMBER);
        expect(Number(value)).toBeGreaterThanOrEqual(0);
        expect(Number(value)).toBeLessThanOrEqual(Math.max(width, height));
      }
      if (element.name === 'polyline') {
        polylines += 1;
        for (const point of (element.attributes.points ?? '').split(' ')) expect(point).toMatch(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/);
      }
    }
    expect(coordinates).toBeGreaterThan(0);
    expect(polylines).toBeGreaterThan(0);
  });

  it('escapes text so a title with markup characters stays well-formed', () => {
    const root = parseXml(renderChart(runs, 'a <b> & "c"'));
    expect(root.children.find((child) => child.name === 'title')?.text).toBe('a <b> & "c"');
  });

  it('draws an empty run without failing', () => {
    const empty = runResultFixture({
      generations: 0,
      timeline: { binMs: 1_000, bins: [], idpCalls: [], versions: [], generations: [], idpIntervals: [] },
    });
    expect(() => parseXml(renderChart([empty]))).not.toThrow();
  });
});

describe('Function: renderChart (large fleets)', () => {
  it('gives lanes only to the first 16 processes that called the IdP, labelled with their index', () => {
    const intervals = Array.from({ length: 40 }, (_, i) => ({ worker: 100 + i * 7, from: i * 100, to: i * 100 + 50, ok: true }));
    const big = runResultFixture({
      settings: { ...runResultFixture().settings, processes: 10_000 },
      timeline: { ...runResultFixture().timeline, idpIntervals: intervals },
    });
    const root = parseXml(renderChart([big]));
    const texts = allElements(root)
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    expect(texts).toContain('the first 16 of 10000 processes that called the IdP (lease holders)');
    expect(texts).toContain('p100');
    expect(texts).toContain('p205');
    expect(texts).not.toContain('p212');
    const panel = root.children.find((child) => child.name === 'g')!;
    expect(allElements(panel).filter((e) => e.name === 'rect' && e.attributes.fill === '#2ca02c')).toHaveLength(16);
  });
});

describe('Function: renderChart (failed calls)', () => {
  it('marks the time bins in which calls failed, so a fleet that stopped getting tokens shows', () => {
    const failing = runResultFixture({
      timeline: {
        ...runResultFixture().timeline,
        bins: [
          { t: 0, calls: 500, errors: 0, p50: 0.01, p99: 0.05, max: 30 },
          { t: 1_000, calls: 0, errors: 800, p50: 0, p99: 0, max: 0 },
          { t: 2_000, calls: 10, errors: 3, p50: 0.01, p99: 0.04, max: 0.2 },
        ],
      },
    });
    const panel = parseXml(renderChart([failing])).children.find((child) => child.name === 'g')!;
    const marks = allElements(panel).filter((e) => e.name === 'rect' && e.attributes.fill === '#d62728' && e.attributes.height === '6');
    expect(marks).toHaveLength(2);
    expect(Number(marks[0]!.attributes['fill-opacity'])).toBeGreaterThan(Number(marks[1]!.attributes['fill-opacity']));
  });
});

describe('Function: renderChart (rotating provider)', () => {
  const grant = { revokedByWorker: 2, invalidGrants: 40, refreshTokensIssued: 3, stateLostAtCallers: 0 };

  it('marks when a reused refresh token revoked the grant, across the plots, and says so in the heading', () => {
    const revoked = runResultFixture({ strategy: 'naive', idpKind: 'rotating', grant: { ...grant, revokedAtMs: 1_600 } });
    const panel = parseXml(renderChart([revoked])).children.find((child) => child.name === 'g')!;
    const texts = allElements(panel)
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    expect(texts[0]).toContain('grant revoked at 1.60 s');
    expect(texts).toContain('grant revoked');
    const marker = allElements(panel).find((e) => e.name === 'line' && e.attributes.stroke === '#000000');
    // The fixture's run lasts 10 s over a 870-pixel plot from x=70: 1.6 s is at x≈209.
    expect(Number(marker?.attributes.x1)).toBeCloseTo(70 + 0.16 * 870, 0);
  });

  it('draws no marker for a grant that stood, and says it was never revoked', () => {
    const alive = runResultFixture({ idpKind: 'rotating', grant: { ...grant, revokedAtMs: null, invalidGrants: 0 } });
    const panel = parseXml(renderChart([alive])).children.find((child) => child.name === 'g')!;
    expect(allElements(panel).filter((e) => e.name === 'text')[0]?.text).toContain('grant never revoked');
    expect(allElements(panel).some((e) => e.name === 'line' && e.attributes.stroke === '#000000')).toBe(false);
  });
});
