// Follow the money: two entities from the canvas, then shortest, k-shortest or time-respecting
// money-trail paths; each path is listed with amounts and dates along it and highlighted on the
// canvas when chosen.
import { useEffect, useState } from 'react';
import { ApiError, call } from './api';
import { PathsQuery } from './queries';
import { formatAmount, formatTime, type GEdge, type GNode, type GraphState } from './model';
import type { PathsQuery as PathsData, PathKind } from './gql/graphql';

type Path = PathsData['paths']['paths'][number];

/**
 * A path as an investigator reads it: the parties (accounts, people, merchants) with the amount
 * and date of each hop between them; transaction nodes are the hops, not stops.
 */
export function steps(p: Pick<Path, 'nodes' | 'amounts' | 'times' | 'currencies'>): { caption: string; amount: string; date: string }[] {
  const out: { caption: string; amount: string; date: string }[] = [];
  let hop = 0;
  for (const n of p.nodes) {
    if (n.type === 'TRANSACTION') continue;
    if (out.length === 0) {
      out.push({ caption: n.caption, amount: '', date: '' });
      continue;
    }
    const amount = p.amounts[hop] != null && p.currencies[hop] ? formatAmount(p.amounts[hop], p.currencies[hop]) : '';
    const date = p.times[hop] ? formatTime(p.times[hop]).slice(0, 10) : '';
    out.push({ caption: n.caption, amount, date });
    hop++;
  }
  return out;
}

export function MoneyPanel({ graph, selected, onPath }: { graph: GraphState; selected: string[]; onPath(nodes: GNode[], edges: GEdge[], ids: string[]): void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [kind, setKind] = useState<PathKind>('MONEY_TRAIL');
  const [k, setK] = useState(3);
  const [maxHops, setMaxHops] = useState(6);
  const [windowDays, setWindowDays] = useState(30);
  const [paths, setPaths] = useState<Path[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState(-1);

  // The first two selected nodes fill the ends.
  useEffect(() => {
    if (selected[0] && !from) setFrom(selected[0]);
    if (selected[1] && !to) setTo(selected[1]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected]);

  const options = Object.values(graph.nodes).sort((a, b) => a.caption.localeCompare(b.caption));
  const find = async () => {
    setBusy(true);
    setError(null);
    setPaths(null);
    setChosen(-1);
    try {
      const d = await call(PathsQuery, {
        from, to, kind, k: kind === 'K_SHORTEST' ? k : null, maxHops, directed: kind === 'MONEY_TRAIL',
        moneyTrail: kind === 'MONEY_TRAIL' ? { windowHours: windowDays * 24, limit: 10 } : null,
      });
      setPaths(d.paths.paths);
      setNote(d.paths.truncated ? `Cut short: ${d.paths.reason ?? 'too many paths'}.` : d.paths.reason ?? null);
      if (d.paths.paths.length) show(d.paths.paths[0], 0);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const show = (p: Path, i: number) => {
    setChosen(i);
    onPath(p.nodes as GNode[], p.edges as GEdge[], [...p.nodes.map((n) => n.id), ...p.edges.map((e) => e.id)]);
  };

  return (
    <div className="money" data-testid="money-panel">
      <h2>Follow the money</h2>
      <p className="muted">Select two nodes on the canvas (Shift+click), or choose them here.</p>
      <label>
        From
        <select aria-label="From" value={from} onChange={(e) => setFrom(e.target.value)}>
          <option value="">choose…</option>
          {options.map((n) => <option key={n.id} value={n.id}>{n.caption} ({n.type.toLowerCase()})</option>)}
        </select>
      </label>
      <label>
        To
        <select aria-label="To" value={to} onChange={(e) => setTo(e.target.value)}>
          <option value="">choose…</option>
          {options.map((n) => <option key={n.id} value={n.id}>{n.caption} ({n.type.toLowerCase()})</option>)}
        </select>
      </label>
      <button onClick={() => { setFrom(to); setTo(from); }} disabled={!from && !to}>Swap</button>
      <label>
        Kind
        <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value as PathKind)}>
          <option value="MONEY_TRAIL">money trail (time-respecting)</option>
          <option value="SHORTEST">shortest</option>
          <option value="ALL_SHORTEST">all shortest</option>
          <option value="K_SHORTEST">k shortest</option>
        </select>
      </label>
      {kind === 'K_SHORTEST' && (
        <label>k <input type="number" min={1} max={10} value={k} onChange={(e) => setK(Math.max(1, Math.min(10, Number(e.target.value) || 3)))} /></label>
      )}
      <label>Max hops <input type="number" min={1} max={10} value={maxHops} onChange={(e) => setMaxHops(Math.max(1, Math.min(10, Number(e.target.value) || 6)))} /></label>
      {kind === 'MONEY_TRAIL' && (
        <label>Days between payments <input type="number" min={1} max={365} value={windowDays} onChange={(e) => setWindowDays(Math.max(1, Math.min(365, Number(e.target.value) || 30)))} /></label>
      )}
      <button onClick={() => void find()} disabled={!from || !to || from === to || busy}>{busy ? 'Searching…' : 'Find paths'}</button>
      {error && <div role="alert" className="error">{error}</div>}
      {note && <p className="muted">{note}</p>}
      {paths && !paths.length && <p>No path found within these limits.</p>}
      {paths && paths.length > 0 && (
        <ol className="paths" aria-label="Paths">
          {paths.map((p, i) => (
            <li key={i} className={i === chosen ? 'chosen' : ''}>
              <button className="link" onClick={() => show(p, i)}>
                {p.hops} hop{p.hops === 1 ? '' : 's'}{kind === 'MONEY_TRAIL' ? '' : ` · cost ${p.cost.toFixed(1)}`}
              </button>
              <div className="steps">
                {steps(p).map((st, j) => (
                  <span key={j}>
                    {j > 0 && (
                      <span className="step">
                        {' → '}
                        {st.amount}
                        {st.date ? ` on ${st.date}` : ''}
                        {' → '}
                      </span>
                    )}
                    <strong>{st.caption}</strong>
                  </span>
                ))}
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
