// The graph canvas: Cytoscape.js drawing the GraphState. Only the difference between states is
// applied (added, removed, changed elements), so a 5,000-node canvas keeps its positions and
// stays responsive; new nodes are placed on rings around the node they were expanded from, and
// a full layout runs only when asked.
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { crossSectorIdentifiers, edgeLabel, edgeWidth, inPeriod, palette, typeStyle, type GraphState } from './model';

export type LayoutName = 'cose' | 'concentric' | 'breadthfirst' | 'circle' | 'grid';

export interface CanvasHandle {
  layout(name: LayoutName): void;
  fit(ids?: string[]): void;
  png(): Blob;
  svg(): string;
  positions(): Record<string, { x: number; y: number }>;
  setPositions(p: Record<string, { x: number; y: number }>): void;
  /** Where new nodes expanded from `from` should go. */
  placeAround(from: string, ids: string[]): void;
  /** Lays out a path left to right below what is drawn (the nodes in order). */
  placeLine(ids: string[]): void;
  /** Runs f once the next graph state is drawn (to place or fit what it added). */
  afterDraw(f: () => void): void;
}

interface Props {
  graph: GraphState;
  selected: string[];
  period: [number, number] | null;
  onSelect(ids: string[]): void;
  onExpand(id: string): void;
  onContext(id: string, x: number, y: number): void;
}

const style: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      'background-color': 'data(color)',
      shape: 'data(shape)' as never,
      label: 'data(label)',
      'font-size': 10,
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-wrap': 'ellipsis',
      'text-max-width': '120px',
      // Labels too small to read are not drawn: zoomed out over thousands of nodes, that is
      // what keeps panning smooth.
      'min-zoomed-font-size': 7,
      color: '#1f2937',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.75,
      'text-background-padding': '1px',
      width: 26,
      height: 26,
      'border-width': 0,
    },
  },
  {
    selector: 'node.box',
    style: {
      'background-color': '#f8fafc',
      'background-opacity': 0.6,
      'border-width': 2,
      'border-style': 'dashed',
      'border-color': '#64748b',
      shape: 'round-rectangle',
      'text-valign': 'top',
      'text-halign': 'center',
      'font-size': 12,
      'font-weight': 'bold',
      padding: '16px',
    } as never,
  },
  { selector: 'node.risky', style: { 'border-width': 3, 'border-color': '#f59e0b' } },
  { selector: 'node.alert', style: { 'border-width': 4, 'border-color': '#dc2626' } },
  { selector: 'node.cross', style: { width: 34, height: 34, 'border-width': 3, 'border-color': '#111827', 'border-style': 'double' } },
  { selector: 'node.pinned', style: { 'outline-width': 2, 'outline-color': '#6b7280', 'outline-offset': 2 } as never },
  { selector: 'node:selected', style: { 'overlay-color': '#2563eb', 'overlay-opacity': 0.25, 'overlay-padding': 6, 'overlay-shape': 'ellipse' } as never },
  { selector: '.faded', style: { opacity: 0.15 } },
  { selector: '.hl', style: { 'overlay-color': '#f97316', 'overlay-opacity': 0.35, 'overlay-padding': 5 } },
  {
    selector: 'edge',
    style: {
      width: 'data(width)',
      'line-color': '#94a3b8',
      'target-arrow-color': '#94a3b8',
      'target-arrow-shape': 'triangle',
      'curve-style': 'straight',
      'font-size': 8,
      'min-zoomed-font-size': 7,
      color: '#475569',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
    },
  },
  // Edge labels (amounts) are measured and drawn only on small canvases, on highlighted paths
  // and on selected edges: hundreds of labels cost more than the drawing itself.
  { selector: 'edge.labelled, edge.hl, edge:selected', style: { label: 'data(label)' } },
  // Thousands of edges: haystack lines (no arrows, no curve fitting) are the cheapest to draw.
  { selector: 'edge.fast', style: { 'curve-style': 'haystack', 'target-arrow-shape': 'none', 'haystack-radius': 0 } },
  { selector: 'edge.money', style: { 'line-color': '#16a34a', 'target-arrow-color': '#16a34a', color: '#166534' } },
  { selector: 'edge.hl', style: { 'line-color': '#f97316', 'target-arrow-color': '#f97316', width: 5 } },
];

function nodeLabel(g: GraphState, id: string): string {
  const n = g.nodes[id];
  const more = g.more[id];
  const cap = n.caption.length > 28 ? n.caption.slice(0, 27) + '…' : n.caption;
  return more ? `${cap} (+${more})` : cap;
}

export const Canvas = forwardRef<CanvasHandle, Props>(function Canvas({ graph, selected, period, onSelect, onExpand, onContext }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const handlers = useRef({ onSelect, onExpand, onContext });
  const pending = useRef<(() => void)[]>([]);
  handlers.current = { onSelect, onExpand, onContext };

  useEffect(() => {
    const c = cytoscape({
      container: box.current,
      style,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: true,
      textureOnViewport: true,
      hideEdgesOnViewport: true,
    });
    c.on('select unselect', () => handlers.current.onSelect(c.$(':selected').nodes().map((n) => n.id())));
    c.on('dbltap', 'node', (e) => handlers.current.onExpand(e.target.id()));
    c.on('cxttap', 'node', (e) => {
      const p = e.renderedPosition;
      handlers.current.onContext(e.target.id(), p.x, p.y);
    });
    cy.current = c;
    (window as unknown as { __cy?: Core }).__cy = c; // for the end-to-end tests
    return () => c.destroy();
  }, []);

  // Apply the difference between the state and what is drawn.
  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    const t0 = performance.now();
    const cross = crossSectorIdentifiers(graph);
    const hidden = new Set(graph.hidden);
    const hl = new Set(graph.highlight);
    const pinned = new Set(graph.pinned);
    const from = period?.[0] ?? null;
    const to = period?.[1] ?? null;
    const nodeClasses = (n: GraphState['nodes'][string]) =>
      [
        (n.risk ?? 0) >= 0.3 && !n.alert ? 'risky' : '',
        n.alert ? 'alert' : '',
        cross.has(n.id) ? 'cross' : '',
        pinned.has(n.id) ? 'pinned' : '',
        hl.has(n.id) ? 'hl' : '',
        inPeriod(n, from, to) ? '' : 'faded',
      ].filter(Boolean).join(' ');
    const edgeCount = Object.keys(graph.edges).length;
    const labelled = edgeCount <= 300;
    const fast = edgeCount > 2000;
    const edgeClasses = (e: GraphState['edges'][string]) =>
      [
        labelled ? 'labelled' : '',
        fast && !hl.has(e.id) ? 'fast' : '',
        e.type === 'FLOW' || e.type === 'SENT' || e.type === 'TO' ? 'money' : '',
        hl.has(e.id) ? 'hl' : '',
        inPeriod(e, from, to) ? '' : 'faded',
      ].filter(Boolean).join(' ');
    // New nodes without a place go near the middle (callers place them better: afterDraw).
    const ext = c.extent();
    let k = 0;
    // Only what changed is touched: data, classes and locks are compared with what is drawn.
    c.batch(() => {
      // Boxes first: children leave a box before it goes (removing a parent removes them).
      c.nodes('.box').forEach((el) => {
        if (!graph.boxes[el.id()]) {
          el.children().move({ parent: null });
          el.remove();
        } else if (el.data('label') !== graph.boxes[el.id()]) el.data('label', graph.boxes[el.id()]);
      });
      const boxes: ElementDefinition[] = Object.entries(graph.boxes)
        .filter(([id]) => c.getElementById(id).empty())
        .map(([id, name]) => ({ group: 'nodes', data: { id, label: name, color: '#f1f5f9' }, classes: 'box' }));
      if (boxes.length) c.add(boxes);
      c.nodes().forEach((el) => {
        if (!el.hasClass('box') && (!graph.nodes[el.id()] || hidden.has(el.id()))) el.remove();
      });
      c.edges().forEach((el) => {
        if (!graph.edges[el.id()]) el.remove();
      });
      const add: ElementDefinition[] = [];
      for (const n of Object.values(graph.nodes)) {
        if (hidden.has(n.id)) continue;
        const st = typeStyle[n.type] ?? typeStyle.PERSON;
        const g = graph.groups[n.id];
        const label = nodeLabel(graph, n.id);
        const color = g != null ? palette[g % palette.length] : st.color;
        const cls = nodeClasses(n);
        const el = c.getElementById(n.id);
        if (el.empty()) {
          k++;
          add.push({
            group: 'nodes',
            data: { id: n.id, label, color, shape: st.shape, type: n.type, cls, parent: graph.parents[n.id] },
            classes: cls,
            position: { x: (ext.x1 + ext.x2) / 2 + 60 * Math.cos(k), y: (ext.y1 + ext.y2) / 2 + 60 * Math.sin(k) + k * 3 },
            locked: pinned.has(n.id),
          });
          continue;
        }
        if (el.data('label') !== label || el.data('color') !== color) el.data({ label, color });
        if (el.data('cls') !== cls) {
          el.classes(cls);
          el.data('cls', cls);
        }
        const parent = graph.parents[n.id] ?? null;
        const cur = el.parent().nonempty() ? el.parent().first().id() : null;
        if (cur !== parent) el.move({ parent });
        if (pinned.has(n.id) !== el.locked()) {
          if (pinned.has(n.id)) el.lock();
          else el.unlock();
        }
      }
      if (add.length) c.add(add);
      const addE: ElementDefinition[] = [];
      for (const e of Object.values(graph.edges)) {
        if (hidden.has(e.from) || hidden.has(e.to)) continue;
        const cls = edgeClasses(e);
        const el = c.getElementById(e.id);
        if (el.empty()) {
          addE.push({ group: 'edges', data: { id: e.id, source: e.from, target: e.to, label: edgeLabel(e), width: edgeWidth(e), type: e.type, cls }, classes: cls });
        } else if (el.data('cls') !== cls) {
          el.classes(cls);
          el.data('cls', cls);
        }
      }
      if (addE.length) c.add(addE);
    });
    const run = pending.current;
    pending.current = [];
    for (const f of run) f();
    // The time this state took to apply, for the UI benchmark (ui/e2e/bench.mjs).
    (window as unknown as { __drawMs?: number[] }).__drawMs?.push(performance.now() - t0);
  }, [graph, period]);

  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    const want = new Set(selected);
    c.batch(() => {
      c.nodes().forEach((n) => {
        if (want.has(n.id()) && !n.selected()) n.select();
        if (!want.has(n.id()) && n.selected()) n.unselect();
      });
    });
  }, [selected]);

  useImperativeHandle(ref, () => ({
    layout(name) {
      const c = cy.current;
      if (!c) return;
      const opts: Record<string, unknown> = { name, animate: false, fit: true, padding: 30 };
      if (name === 'cose') Object.assign(opts, { numIter: c.nodes().length > 1000 ? 300 : 1000, nodeRepulsion: () => 8000, idealEdgeLength: () => 80 });
      c.layout(opts as unknown as cytoscape.LayoutOptions).run();
    },
    fit(ids) {
      const c = cy.current;
      if (!c) return;
      let col = c.elements();
      if (ids?.length) {
        col = c.collection();
        for (const id of ids) col = col.union(c.getElementById(id));
      }
      c.fit(col, 40);
      // A few nodes should not fill the screen.
      if (c.zoom() > 1.2) {
        c.zoom(1.2);
        c.center(col);
      }
    },
    png() {
      return cy.current!.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' }) as unknown as Blob;
    },
    svg() {
      return toSVG(cy.current!);
    },
    positions() {
      const out: Record<string, { x: number; y: number }> = {};
      cy.current?.nodes().forEach((n) => {
        out[n.id()] = { ...n.position() };
      });
      return out;
    },
    setPositions(p) {
      cy.current?.nodes().forEach((n) => {
        const q = p[n.id()];
        if (q) n.position(q);
      });
      cy.current?.fit(undefined, 30);
    },
    afterDraw(f) {
      pending.current.push(f);
    },
    placeLine(ids) {
      const c = cy.current;
      if (!c) return;
      const others = c.nodes().filter((n) => !ids.includes(n.id()));
      const y0 = others.nonempty() ? others.boundingBox({}).y2 + 120 : 0;
      const x0 = others.nonempty() ? others.boundingBox({}).x1 : 0;
      ids.forEach((id, i) => {
        const n = c.getElementById(id);
        if (n.nonempty() && !n.locked()) {
          n.position({ x: x0 + i * 170, y: y0 + (i % 2) * 30 });
        }
      });
    },
    placeAround(from, ids) {
      const c = cy.current;
      if (!c) return;
      const centre = c.getElementById(from);
      const o = centre.nonempty() ? centre.position() : { x: 0, y: 0 };
      const fresh = ids.map((id) => c.getElementById(id)).filter((n) => n.nonempty() && !n.locked());
      // Rings of 12, 24, 36, ... around the expanded node.
      let ring = 1;
      let k = 0;
      c.startBatch();
      fresh.forEach((n) => {
        const slots = 12 * ring;
        const a = (2 * Math.PI * k) / slots + ring * 0.3;
        n.position({ x: o.x + 110 * ring * Math.cos(a), y: o.y + 110 * ring * Math.sin(a) });
        if (++k >= slots) {
          ring++;
          k = 0;
        }
      });
      c.endBatch();
    },
  }));

  return <div ref={box} className="canvas" data-testid="canvas" role="application" aria-label="Graph canvas" />;
});

/** A standalone SVG of the drawing: circles and lines with labels at the drawn positions. */
function toSVG(c: Core): string {
  const bb = c.elements().boundingBox({});
  const pad = 40;
  const w = Math.max(1, bb.w + 2 * pad);
  const h = Math.max(1, bb.h + 2 * pad);
  const esc = (s: string) => s.replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]!);
  const x = (v: number) => (v - bb.x1 + pad).toFixed(1);
  const y = (v: number) => (v - bb.y1 + pad).toFixed(1);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w.toFixed(0)}" height="${h.toFixed(0)}" viewBox="0 0 ${w.toFixed(0)} ${h.toFixed(0)}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`];
  c.edges().forEach((e) => {
    const s = e.source().position();
    const t = e.target().position();
    out.push(`<line x1="${x(s.x)}" y1="${y(s.y)}" x2="${x(t.x)}" y2="${y(t.y)}" stroke="${e.hasClass('money') ? '#16a34a' : '#94a3b8'}" stroke-width="${Number(e.data('width')).toFixed(1)}"/>`);
    out.push(`<text x="${x((s.x + t.x) / 2)}" y="${y((s.y + t.y) / 2)}" font-size="8" fill="#475569" text-anchor="middle">${esc(String(e.data('label')))}</text>`);
  });
  c.nodes().forEach((n) => {
    const p = n.position();
    out.push(`<circle cx="${x(p.x)}" cy="${y(p.y)}" r="13" fill="${n.data('color')}" stroke="${n.hasClass('alert') ? '#dc2626' : 'none'}" stroke-width="3"/>`);
    out.push(`<text x="${x(p.x)}" y="${y(p.y + 26)}" font-size="10" fill="#1f2937" text-anchor="middle">${esc(String(n.data('label')))}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
