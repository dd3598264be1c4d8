// Explore: search, put entities on the canvas, expand them (double-click, the menu or E) with
// filters and a bound per node ("+N" on a node says how many more there are), pin, hide, undo
// and redo, layouts, a time range, the entity panel, follow the money, and exports.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, call, chunked } from './api';
import { Canvas, type CanvasHandle, type LayoutName } from './Canvas';
import { EntityPanel } from './EntityPanel';
import { MoneyPanel } from './MoneyPanel';
import { CommunitiesPanel } from './Communities';
import type { CanvasView } from './Cases';
import { Search } from './Search';
import { download } from './download';
import { AddToCaseMutation, NeighbourhoodQuery, NodesQuery, RisksQuery } from './queries';
import type { Me } from './App';
import {
  allTypes, emptyGraph, group, History, merge, remove, timeSpan, toggle, toGraphML, toJSON, typeStyle, ungroup,
  type EntityType, type GEdge, type GNode, type GraphState,
} from './model';

interface Filters {
  types: EntityType[];
  limit: number;
  from: string;
  to: string;
  minAmount: string;
}

const defaultFilters: Filters = { types: allTypes.filter((t) => t !== 'TRANSACTION'), limit: 25, from: '', to: '', minAmount: '' };

/** Something to put on the canvas from another view: an alert's evidence, a case, a saved view. */
export interface Focus {
  nodes: GNode[];
  highlight: string[];
  seq: number;
  /** A saved view: replaces the canvas and restores the positions. */
  positions?: Record<string, { x: number; y: number }>;
}

export interface ExploreHandle {
  view(): CanvasView;
}

interface ExploreProps {
  me: Me;
  focus: Focus | null;
  handle: React.MutableRefObject<ExploreHandle | null>;
  currentCase: { id: string; title: string } | null;
}

export function Explore({ me, focus, handle, currentCase }: ExploreProps) {
  const [graph, setGraphState] = useState<GraphState>(emptyGraph);
  const history = useRef(new History());
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const [showFilters, setShowFilters] = useState(false);
  const [panel, setPanel] = useState<'entity' | 'money' | 'communities'>('entity');
  const [notice, setNotice] = useState<string | null>(null);
  const [menu, setMenu] = useState<{ id: string; x: number; y: number } | null>(null);
  const [period, setPeriod] = useState<[number, number] | null>(null);
  const canvas = useRef<CanvasHandle>(null);
  const graphRef = useRef(graph);
  graphRef.current = graph;
  const analyst = me.role !== 'PARTNER';

  /** Changes the graph, recording the previous state for undo. */
  const setGraph = useCallback((f: (g: GraphState) => GraphState) => {
    const prev = graphRef.current;
    const next = f(prev);
    if (next === prev) return;
    history.current.push(prev);
    graphRef.current = next;
    setGraphState(next);
  }, []);

  const run = useCallback(async <T,>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      return await f();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : `Something went wrong: ${String(e)}`);
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);

  /** Reads risk badges for nodes (analysts only: partners never see risk). */
  const loadRisk = useCallback(
    async (ids: string[]) => {
      if (!analyst || !ids.length) return;
      try {
        const d = await call(RisksQuery, { ids });
        setGraphState((g) => {
          const nodes = { ...g.nodes };
          for (const n of d.nodes) {
            if (n && nodes[n.id] && n.risk) nodes[n.id] = { ...nodes[n.id], risk: n.risk.risk, alert: n.risk.alert };
          }
          const next = { ...g, nodes };
          graphRef.current = next;
          return next;
        });
      } catch {
        // Badges are a nicety: the canvas works without them.
      }
    },
    [analyst],
  );

  /** Adds nodes: around `anchor` (a node already drawn), or in a row when `line` (a path). */
  const addNodes = useCallback(
    (nodes: GNode[], edges: GEdge[] = [], highlight: string[] = [], opts: { anchor?: string; line?: boolean } = {}) => {
      const before = new Set(Object.keys(graphRef.current.nodes));
      const fresh = nodes.map((n) => n.id).filter((id) => !before.has(id));
      canvas.current?.afterDraw(() => {
        if (opts.line) canvas.current?.placeLine(nodes.map((n) => n.id));
        else if (opts.anchor && before.has(opts.anchor)) canvas.current?.placeAround(opts.anchor, fresh);
        canvas.current?.fit(highlight.length ? highlight : nodes.map((n) => n.id));
      });
      setGraph((g) => ({ ...merge(g, nodes, edges), highlight }));
      void loadRisk(fresh);
    },
    [setGraph, loadRisk],
  );

  const expand = useCallback(
    async (ids: string[], limit?: number) => {
      if (!ids.length) return;
      const f = { ...filters, limit: limit ?? filters.limit };
      const filter: Record<string, unknown> = { types: f.types };
      if (f.from) filter.from = new Date(f.from).toISOString();
      if (f.to) filter.to = new Date(f.to + 'T23:59:59Z').toISOString();
      if (f.minAmount) filter.minAmount = Math.round(Number(f.minAmount) * 100);
      const d = await run(`Expanding ${ids.length === 1 ? graphRef.current.nodes[ids[0]]?.caption ?? ids[0] : `${ids.length} nodes`}…`, () =>
        call(NeighbourhoodQuery, { ids, hops: 1, filter, limit: f.limit }),
      );
      if (!d) return;
      const n = d.neighbourhood;
      const before = new Set(Object.keys(graphRef.current.nodes));
      const fresh = n.nodes.filter((x) => !before.has(x.id)).map((x) => x.id);
      canvas.current?.afterDraw(() => {
        canvas.current?.placeAround(ids[0], fresh);
        canvas.current?.fit();
      });
      setGraph((g) => merge(g, n.nodes as GNode[], n.edges as GEdge[], n.more));
      void loadRisk(fresh);
    },
    [filters, run, setGraph, loadRisk],
  );

  // Something opened from another view: an alert's evidence, a case's entities, a saved view.
  useEffect(() => {
    if (!focus) return;
    if (focus.positions) {
      // A saved view replaces the canvas, with its layout and the links among its nodes.
      const ids = focus.nodes.map((n) => n.id);
      const p = focus.positions;
      canvas.current?.afterDraw(() => canvas.current?.setPositions(p));
      setGraph(() => merge(emptyGraph, focus.nodes, []));
      void loadRisk(ids);
      void expandBetween(ids);
    } else {
      addNodes(focus.nodes, [], focus.highlight);
      if (focus.nodes.length > 1) void expandBetween(focus.nodes.map((n) => n.id));
    }
    setSelected([focus.nodes[0]?.id].filter(Boolean) as string[]);
    setPanel('entity');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focus]);

  // What the Cases view saves and prints.
  handle.current = {
    view: () => {
      const g = graphRef.current;
      const hidden = new Set(g.hidden);
      const nodeIds = Object.keys(g.nodes).filter((id) => !hidden.has(id));
      return {
        nodeIds,
        edgeIds: Object.values(g.edges).filter((e) => !hidden.has(e.from) && !hidden.has(e.to)).map((e) => e.id),
        positions: canvas.current?.positions() ?? {},
        png: nodeIds.length ? canvas.current?.png() ?? null : null,
      };
    },
  };

  const addToCase = async () => {
    if (!currentCase || !selected.length) return;
    const ok = await run('Adding to the case…', () => call(AddToCaseMutation, { id: currentCase.id, entityIds: selected }, true));
    if (ok) setNotice(`Added ${selected.length} to case “${currentCase.title}”.`);
  };

  const undo = () => {
    const prev = history.current.undo(graphRef.current);
    if (prev) {
      graphRef.current = prev;
      setGraphState(prev);
    }
  };
  const redo = () => {
    const next = history.current.redo(graphRef.current);
    if (next) {
      graphRef.current = next;
      setGraphState(next);
    }
  };
  const hideSelected = () => setGraph((g) => ({ ...g, hidden: [...new Set([...g.hidden, ...selected.filter((id) => g.nodes[id])])] }));
  const removeSelected = () => {
    setGraph((g) => remove(g, selected));
    setSelected([]);
  };
  const pinSelected = () => setGraph((g) => ({ ...g, pinned: toggle(g.pinned, selected) }));
  const showAll = () => setGraph((g) => (g.hidden.length ? { ...g, hidden: [] } : g));
  const groupSelected = () => {
    const ids = selected.filter((id) => graphRef.current.nodes[id]);
    if (ids.length < 2) return;
    const name = window.prompt('Name of the group', `Group of ${ids.length}`);
    if (name != null) setGraph((g) => group(g, ids, name.trim() || `Group of ${ids.length}`));
  };
  const ungroupSelected = () => setGraph((g) => ungroup(g, selected));

  // Keyboard: E expand, H hide, Delete remove, P pin, Ctrl+Z / Ctrl+Shift+Z undo/redo, F fit.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        redo();
      } else if (e.key === 'e' && selected.length) void expand(selected.filter((id) => graphRef.current.nodes[id]));
      else if (e.key === 'h' && selected.length) hideSelected();
      else if (e.key === 'p' && selected.length) pinSelected();
      else if (e.key === 'g' && selected.length > 1) groupSelected();
      else if (e.key === 'Delete' && selected.length) removeSelected();
      else if (e.key === 'f') canvas.current?.fit();
      else if (e.key === 'Escape') setMenu(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const span = useMemo(() => timeSpan(graph), [graph]);
  const counts = { nodes: Object.keys(graph.nodes).length - graph.hidden.length, edges: Object.keys(graph.edges).length };
  const real = selected.filter((id) => graph.nodes[id]);
  const focused = real.length ? real[real.length - 1] : null;

  return (
    <div className="explore">
      <div className="toolbar" role="toolbar" aria-label="Canvas tools">
        <Search
          analyst={analyst}
          onPick={(n) => {
            addNodes([n]);
            setSelected([n.id]);
            setPanel('entity');
          }}
        />
        <button onClick={() => void expand(real)} disabled={!real.length} title="Expand the selected nodes (E, or double-click)">
          Expand
        </button>
        <button onClick={() => setShowFilters((v) => !v)} aria-expanded={showFilters}>
          Filters
        </button>
        <button onClick={undo} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button onClick={redo} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <button onClick={pinSelected} disabled={!selected.length} title="Pin or unpin (P)">
          Pin
        </button>
        <button onClick={hideSelected} disabled={!selected.length} title="Hide (H)">
          Hide
        </button>
        <button onClick={showAll} disabled={!graph.hidden.length}>
          Show hidden ({graph.hidden.length})
        </button>
        <button onClick={removeSelected} disabled={!selected.length} title="Remove from the canvas (Delete)">
          Remove
        </button>
        <button onClick={groupSelected} disabled={selected.filter((id) => graph.nodes[id]).length < 2} title="Put the selected nodes in a named box (G)">
          Group
        </button>
        <button onClick={ungroupSelected} disabled={!selected.some((id) => graph.parents[id] || graph.boxes[id])} title="Take the selected nodes (or a selected box) out of their box">
          Ungroup
        </button>
        <label className="inline">
          Layout{' '}
          <select aria-label="Layout" onChange={(e) => canvas.current?.layout(e.target.value as LayoutName)} defaultValue="">
            <option value="" disabled>
              choose…
            </option>
            <option value="cose">force-directed</option>
            <option value="concentric">concentric</option>
            <option value="breadthfirst">hierarchy</option>
            <option value="circle">circle</option>
            <option value="grid">grid</option>
          </select>
        </label>
        <button onClick={() => canvas.current?.fit()} title="Fit (F)">
          Fit
        </button>
        <ExportMenu
          onPNG={() => download('crosslink-graph.png', canvas.current!.png())}
          onSVG={() => download('crosslink-graph.svg', canvas.current!.svg(), 'image/svg+xml')}
          onJSON={() => download('crosslink-graph.json', toJSON(graph), 'application/json')}
          onGraphML={() => download('crosslink-graph.graphml', toGraphML(graph), 'application/xml')}
        />
        <button onClick={() => setPanel(panel === 'money' ? 'entity' : 'money')} aria-pressed={panel === 'money'}>
          Follow the money
        </button>
        {analyst && (
          <button onClick={() => setPanel(panel === 'communities' ? 'entity' : 'communities')} aria-pressed={panel === 'communities'}>
            Communities
          </button>
        )}
        {analyst && (
          <button onClick={() => void addToCase()} disabled={!currentCase || !selected.length} title={currentCase ? `Add the selected nodes to “${currentCase.title}”` : 'Open a case in Cases first'}>
            Add to case
          </button>
        )}
      </div>
      {showFilters && <FilterBar filters={filters} onChange={setFilters} />}
      <div className="status" aria-live="polite">
        {busy ? <span className="busy" data-testid="busy">{busy}</span> : <span>{counts.nodes} nodes, {counts.edges} edges</span>}
        {error && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
        {notice && !busy && <span role="status" className="notice">{notice}</span>}
        {currentCase && <span className="muted">case: {currentCase.title}</span>}
        {span && <TimeRange span={span} value={period} onChange={setPeriod} />}
      </div>
      <div className="workspace">
        <div className="canvas-wrap">
          {!counts.nodes && <div className="empty">Search for a name, username, e-mail, phone, account, IP or hash to start.</div>}
          <Canvas
            ref={canvas}
            graph={graph}
            selected={selected}
            period={period}
            onSelect={setSelected}
            onExpand={(id) => void expand([id])}
            onContext={(id, x, y) => {
              setSelected([id]);
              setMenu({ id, x, y });
            }}
          />
          {menu && (
            <ul className="menu" role="menu" style={{ left: menu.x, top: menu.y }} onMouseLeave={() => setMenu(null)}>
              {[
                ['Expand', () => void expand([menu.id])],
                ...(graph.more[menu.id] ? [[`Expand all (up to 500; ${graph.more[menu.id]} more)`, () => void expand([menu.id], 500)]] : []),
                ['Pin / unpin', pinSelected],
                ['Hide', hideSelected],
                ['Remove', removeSelected],
                ['Money trail from here', () => setPanel('money')],
              ].map(([label, f]) => (
                <li key={label as string} role="menuitem" tabIndex={0} onClick={() => { (f as () => void)(); setMenu(null); }}>
                  {label as string}
                </li>
              ))}
            </ul>
          )}
          <Legend />
        </div>
        <aside className="panel">
          {panel === 'communities' ? (
            <CommunitiesPanel
              graph={graph}
              onColour={(groups) => setGraph((g) => ({ ...g, groups: groups ?? {} }))}
              onShow={(nodes, highlight) => addNodes(nodes, [], highlight, { anchor: focused ?? undefined })}
            />
          ) : panel === 'money' ? (
            <MoneyPanel
              graph={graph}
              selected={selected}
              onPath={(nodes, edges, ids) => {
                addNodes(nodes, edges, ids, { line: true });
              }}
            />
          ) : focused && graph.nodes[focused] ? (
            <EntityPanel
              key={focused}
              id={focused}
              me={me}
              onShow={async (ids, highlight) => {
                const missing = ids.filter((id) => !graphRef.current.nodes[id]);
                let nodes: GNode[] = [];
                if (missing.length) {
                  nodes = (await run('Loading the evidence…', () => loadNodes(missing.slice(0, 2000)))) ?? [];
                }
                addNodes(nodes, [], highlight, { anchor: focused });
                if (ids.length) void expandBetween(ids);
              }}
            />
          ) : (
            <div className="placeholder">Select a node to see its properties, sources, identifiers, risk and transactions.</div>
          )}
        </aside>
      </div>
    </div>
  );

  /**
   * Draws the edges among the given nodes (a signal's evidence, a case, a saved view): their
   * neighbourhoods in slices of 50 (the API's bound), 4 at a time, for up to 2,000 nodes.
   */
  async function expandBetween(ids: string[]) {
    const want = new Set(ids);
    const edges = await run(`Drawing the links among ${ids.length} nodes…`, () =>
      chunked(ids.slice(0, 2000), 50, 4, async (part) => {
        const d = await call(NeighbourhoodQuery, { ids: part, hops: 1, filter: { types: allTypes }, limit: 200 });
        return (d.neighbourhood.edges as GEdge[]).filter((e) => want.has(e.from) && want.has(e.to));
      }),
    );
    if (edges?.length) setGraphState((g) => {
      const next = merge(g, [], edges);
      graphRef.current = next;
      return next;
    });
  }
}

/** Nodes by id, in slices of 1,000 (the API's bound). */
export async function loadNodes(ids: string[]): Promise<GNode[]> {
  return chunked(ids, 1000, 2, async (part) => ((await call(NodesQuery, { ids: part })).nodes.filter(Boolean) as GNode[]));
}

function ExportMenu(p: { onPNG(): void; onSVG(): void; onJSON(): void; onGraphML(): void }) {
  return (
    <label className="inline">
      Export{' '}
      <select
        aria-label="Export"
        value=""
        onChange={(e) => {
          const v = e.target.value;
          if (v === 'png') p.onPNG();
          if (v === 'svg') p.onSVG();
          if (v === 'json') p.onJSON();
          if (v === 'graphml') p.onGraphML();
        }}
      >
        <option value="">as…</option>
        <option value="png">PNG image</option>
        <option value="svg">SVG drawing</option>
        <option value="json">JSON graph</option>
        <option value="graphml">GraphML</option>
      </select>
    </label>
  );
}

function FilterBar({ filters, onChange }: { filters: Filters; onChange(f: Filters): void }) {
  return (
    <fieldset className="filters">
      <legend>Expand with</legend>
      <div className="types">
        {allTypes.map((t) => (
          <label key={t}>
            <input
              type="checkbox"
              checked={filters.types.includes(t)}
              onChange={() => onChange({ ...filters, types: toggle(filters.types, [t]) as EntityType[] })}
            />
            {typeStyle[t].label}
          </label>
        ))}
      </div>
      <label>
        At most per node <input type="number" min={1} max={500} value={filters.limit} onChange={(e) => onChange({ ...filters, limit: Math.max(1, Math.min(500, Number(e.target.value) || 25)) })} />
      </label>
      <label>
        From <input type="date" value={filters.from} onChange={(e) => onChange({ ...filters, from: e.target.value })} />
      </label>
      <label>
        To <input type="date" value={filters.to} onChange={(e) => onChange({ ...filters, to: e.target.value })} />
      </label>
      <label>
        Min. amount <input type="number" min={0} value={filters.minAmount} onChange={(e) => onChange({ ...filters, minAmount: e.target.value })} />
      </label>
      <button onClick={() => onChange(defaultFilters)}>Reset</button>
    </fieldset>
  );
}

function TimeRange({ span, value, onChange }: { span: [number, number]; value: [number, number] | null; onChange(v: [number, number] | null): void }) {
  const [lo, hi] = span;
  const day = 86_400_000;
  const steps = Math.max(1, Math.ceil((hi - lo) / day));
  const cur = value ?? span;
  const toStep = (t: number) => Math.round((t - lo) / day);
  const fromStep = (s: number) => lo + s * day;
  const fmt = (t: number) => new Date(t).toISOString().slice(0, 10);
  return (
    <span className="timerange" aria-label="Time range">
      <span>{fmt(cur[0])}</span>
      <input type="range" aria-label="From" min={0} max={steps} value={toStep(cur[0])} onChange={(e) => onChange([Math.min(fromStep(Number(e.target.value)), cur[1]), cur[1]])} />
      <input type="range" aria-label="To" min={0} max={steps} value={toStep(cur[1])} onChange={(e) => onChange([cur[0], Math.max(fromStep(Number(e.target.value)), cur[0])])} />
      <span>{fmt(cur[1])}</span>
      {value && <button onClick={() => onChange(null)}>All time</button>}
    </span>
  );
}

function Legend() {
  const shown: EntityType[] = ['PERSON', 'COMPANY', 'BANK_ACCOUNT', 'USER_ACCOUNT', 'MERCHANT', 'REPORT', 'EMAIL', 'FILE_HASH'];
  return (
    <div className="legend" aria-label="Legend">
      {shown.map((t) => (
        <span key={t}>
          <i style={{ background: typeStyle[t].color }} /> {typeStyle[t].label}
        </span>
      ))}
      <span><i className="ring-alert" /> alert</span>
      <span><i className="ring-cross" /> shared across sectors</span>
    </div>
  );
}
